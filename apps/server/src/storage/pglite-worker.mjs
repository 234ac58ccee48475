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
//   { id, op: 'close' }                    → { id }
// A failure answers { id, error } with the error's message and its own fields (SQLSTATE `code`,
// `detail`, `constraint`…), which the other side turns back into an Error.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const port = parentPort;
const reply = (message) => port.postMessage(message);
const failure = (err) => {
  const e = err instanceof Error ? err : new Error(String(err));
  const fields = {};
  for (const [k, v] of Object.entries(e)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  return { ...fields, name: e.name, message: e.message };
};
const resultOf = (r) => ({ rows: r.rows, rowCount: r.affectedRows ?? r.rows.length });

/** Ends a transaction's callback so that PGlite rolls it back. */
class Rollback extends Error {}

let pg;
try {
  pg = await PGlite.create(workerData.dataDir);
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

port.on('message', async (m) => {
  if (m.tx !== undefined && m.op !== 'begin') {
    const t = transactions.get(m.tx);
    if (t) t.push(m);
    else reply({ id: m.id, error: failure(new Error('transaction is no longer open')) });
    return;
  }
  try {
    switch (m.op) {
      case 'query':
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
