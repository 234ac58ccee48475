// The embedded database's own thread (see pglite-thread.ts, which starts it and speaks to it).
//
// Plain JavaScript on purpose: a worker thread is a fresh module graph, and this file must load the
// same way under `node dist/main.js`, tsx and vitest, none of which carry their TypeScript loader
// into a worker. Protocol, one message per request, answered with the same `id`:
//   { id, op: 'query', sql, params, tx? }  → { id, rows, rowCount }
//   { id, op: 'exec', sql, tx? }           → { id }
//   { id, op: 'begin', tx }                → { id } once the transaction holds PGlite's lock
//   { id, op: 'commit' | 'rollback', tx }  → { id } once it has ended
//   { id, op: 'listen', channel }          → { id }; then { notify: channel, payload } per NOTIFY
//   { id, op: 'unlisten', channel }        → { id }
//   { id, op: 'dump', compression }        → { id, dump } a tar of the data directory ('gzip' or 'none')
//   { id, op: 'close' }                    → { id }
// A failure answers { id, error } with the error's message and its own fields (SQLSTATE `code`,
// `detail`, `constraint`…), which the other side turns back into an Error.
//
// The structured clone of `postMessage` is recursive, and a value it cannot rebuild on the
// receiving side (an object nested a few thousand deep overflows the receiver's stack) is dropped
// with a `messageerror` that names no request, so that request would wait forever. Hence two
// forms. A message whose values are all flat crosses as it is: an answer's rows always are (JSON
// and JSONB columns cross as text, `json` naming them, parsed on the other side by JSON.parse,
// which is not recursive; Postgres arrays have at most six dimensions), and so are the parameters
// of every query the server sends. Anything else crosses as `{ id, body }`, the body serialised by
// node:v8 on its own, so that a failure to serialise or to read it back is caught with the id in
// hand and answered as that request's error. The flat form is the hot path: serialising every
// message cost both threads a copy and the main thread garbage (bench P5).
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { deserialize, serialize } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';

const port = parentPort;
const reply = (message) => {
  if ('notify' in message) return port.postMessage(message);
  if (!message.error) {
    try {
      return port.postMessage(message);
    } catch {
      // not cloneable as it is: the serialised form below answers with the reason
    }
  }
  const { id, ...rest } = message;
  let body;
  try {
    body = serialize(rest);
  } catch (err) {
    body = serialize({ error: failure(err) });
  }
  port.postMessage({ id, body });
};
const failure = (err) => {
  const e = err instanceof Error ? err : new Error(String(err));
  const fields = {};
  for (const [k, v] of Object.entries(e)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  return { ...fields, name: e.name, message: e.message };
};
const JSON_TYPES = new Set([114, 3802]);
const asText = (value) => value;
const resultOf = (r) => ({
  rows: r.rows,
  rowCount: r.affectedRows ?? r.rows.length,
  json: r.fields.filter((f) => JSON_TYPES.has(f.dataTypeID)).map((f) => f.name),
});

/**
 * PGlite's parsers recurse without a working stack check in WebAssembly: a JSON parameter nested
 * about 7,000 deep is acknowledged as written while nothing is stored, and the instance answers
 * nothing afterwards. Postgres proper refuses such input with "stack depth limit exceeded"; this
 * refuses it the same way, before it reaches PGlite. The depth counted is that of brackets outside
 * JSON strings, so a text parameter that merely looks like deep JSON is refused too (the API's own
 * limits refuse such input long before).
 */
const MAX_PARAMETER_DEPTH = 2048;
function tooDeep(params) {
  for (const p of params ?? []) {
    if (typeof p !== 'string' || p.length <= MAX_PARAMETER_DEPTH * 2) continue;
    let depth = 0;
    let inString = false;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (inString) {
        if (c === 92) i++; // backslash: skip the escaped character
        else if (c === 34) inString = false;
      } else if (c === 34) inString = true;
      else if (c === 123 || c === 91) {
        if (++depth > MAX_PARAMETER_DEPTH) return true;
      } else if (c === 125 || c === 93) depth--;
    }
  }
  return false;
}
const tooDeepError = () =>
  Object.assign(new Error(`stack depth limit exceeded: a parameter is nested deeper than ${MAX_PARAMETER_DEPTH} levels`), {
    code: '54001',
  });

/** Ends a transaction's callback so that PGlite rolls it back. */
class Rollback extends Error {}

let pg;
try {
  // `loadDataDir`: the path of a dump (PGlite's dumpDataDir) to start from instead of an empty cluster.
  const loadDataDir = workerData.loadDataDir ? new Blob([readFileSync(workerData.loadDataDir)]) : undefined;
  // `sharedBuffers`: Postgres's buffer pool, which PGlite keeps in its WebAssembly memory and zeroes
  // at every start (128 MB unless set: about half a second of a start on this machine).
  const startParams = workerData.sharedBuffers ? [...PGlite.defaultStartParams, '-c', `shared_buffers=${workerData.sharedBuffers}`] : undefined;
  pg = await PGlite.create(workerData.dataDir, { parsers: { 114: asText, 3802: asText }, loadDataDir, ...(startParams ? { startParams } : {}) });
} catch (err) {
  reply({ id: 0, error: failure(err) });
  process.exit(1);
}

/** Open transactions: their pending requests, handed to the callback that holds PGlite's lock. */
const transactions = new Map();
const unlisteners = new Map();

function openTransaction(id, txId) {
  const queue = [];
  let wake = null;
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => (wake = resolve)));
  transactions.set(txId, {
    push(message) {
      if (wake) {
        const w = wake;
        wake = null;
        w(message);
      } else queue.push(message);
    },
  });
  let end = null;
  pg.transaction(async (tx) => {
    reply({ id });
    for (;;) {
      const m = await next();
      if (m.op === 'commit' || m.op === 'rollback') {
        end = m;
        if (m.op === 'rollback') throw new Rollback();
        return;
      }
      try {
        if (m.op === 'query') {
          if (tooDeep(m.params)) throw tooDeepError();
          reply({ id: m.id, ...resultOf(await tx.query(m.sql, m.params)) });
        } else {
          await tx.exec(m.sql);
          reply({ id: m.id });
        }
      } catch (err) {
        reply({ id: m.id, error: failure(err) });
      }
    }
  }).then(
    () => {
      transactions.delete(txId);
      reply({ id: end.id });
    },
    (err) => {
      transactions.delete(txId);
      if (end) reply(err instanceof Rollback ? { id: end.id } : { id: end.id, error: failure(err) });
      else reply({ id, error: failure(err) });
    },
  );
}

port.on('message', async (message) => {
  const { id, body } = message;
  let m;
  try {
    m = body === undefined ? message : { id, ...deserialize(body) };
  } catch (err) {
    reply({ id, error: failure(err) });
    return;
  }
  if (m.tx !== undefined && m.op !== 'begin') {
    const t = transactions.get(m.tx);
    if (t) t.push(m);
    else reply({ id: m.id, error: failure(new Error('transaction is no longer open')) });
    return;
  }
  try {
    switch (m.op) {
      case 'query':
        if (tooDeep(m.params)) throw tooDeepError();
        reply({ id: m.id, ...resultOf(await pg.query(m.sql, m.params)) });
        break;
      case 'exec':
        await pg.exec(m.sql);
        reply({ id: m.id });
        break;
      case 'begin':
        openTransaction(m.id, m.tx);
        break;
      case 'listen':
        if (!unlisteners.has(m.channel)) {
          unlisteners.set(m.channel, await pg.listen(m.channel, (payload) => reply({ notify: m.channel, payload })));
        }
        reply({ id: m.id });
        break;
      case 'unlisten': {
        const unlisten = unlisteners.get(m.channel);
        unlisteners.delete(m.channel);
        if (unlisten && !pg.closed) await unlisten();
        reply({ id: m.id });
        break;
      }
      case 'dump': {
        // A checkpoint first, so the copy needs no WAL replay; then the copy under the transaction
        // lock, so no transaction is half-way through it: a consistent snapshot while the server runs.
        await pg.exec('CHECKPOINT');
        const file = await pg._runExclusiveTransaction(() => pg.dumpDataDir(m.compression === 'none' ? 'none' : 'gzip'));
        reply({ id: m.id, dump: new Uint8Array(await file.arrayBuffer()) });
        break;
      }
      case 'close':
        if (!pg.closed) await pg.close();
        reply({ id: m.id });
        break;
      default:
        reply({ id: m.id, error: failure(new Error(`unknown operation ${m.op}`)) });
    }
  } catch (err) {
    reply({ id: m.id, error: failure(err) });
  }
});

reply({ id: 0 });
