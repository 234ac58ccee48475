// Mixed-load generator in its own process for soak.ts. Argument: JSON options
// { url, keys, decider, rate, seconds, window, receiver: true, pageSize }.
// Open loop: request i is due at start + i / rate and its latency counts from then (a request waiting
// for a free connection is late, not hidden). The mix, by i mod 20: 8 creates (every other one with a
// callback_url on the receiver here), 6 GET /approvals/:id of a created request, 4 pending lists,
// 2 decisions by the second principal (the oldest undecided request). Prints one JSON line: per
// window of `window` seconds (by due time) the offered and served counts, p50/p99, errors and the
// statuses; callbacks expected vs received.
import http from 'node:http';

const o = JSON.parse(process.argv[2]);
const target = new URL(o.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections ?? 64 });
const pageSize = o.pageSize ?? 20;

// Callback receiver (loopback): notes each path's first arrival.
const arrivals = new Set();
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    arrivals.add(req.url);
    res.writeHead(204).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}`;

const created = []; // ids answered 201, in order
const withCallback = new Set(); // ids created with a callback_url
let nextToDecide = 0;
const decidedWithCallback = [];
const windows = [];
const win = (due) => {
  const w = Math.floor((due - start) / (o.window * 1000));
  return (windows[w] ??= { offered: 0, served: 0, errors: 0, latencies: [], statuses: {}, byOp: {} });
};

const OPS = ['create', 'create', 'create', 'create', 'create', 'create', 'create', 'create', 'get', 'get', 'get', 'get', 'get', 'get', 'list', 'list', 'list', 'list', 'decide', 'decide'];
// Interleave so the mix is even within any short stretch.
const ORDER = [0, 8, 14, 1, 9, 18, 2, 10, 15, 3, 11, 4, 12, 16, 5, 13, 19, 6, 17, 7].map((k) => OPS[k]);

function request(i, due, op) {
  let method = 'GET';
  let path;
  let body;
  let key = o.keys[i % o.keys.length];
  let cbId;
  if (op === 'create' || (op !== 'create' && created.length === 0)) {
    op = 'create';
    method = 'POST';
    path = '/api/v1/approvals';
    const payload = { title: `Soak ${i}`, description: 'mixed load', priority: 'low' };
    if (i % 2 === 0) payload.callback_url = `${receiverUrl}/cb/${i}`;
    body = JSON.stringify(payload);
  } else if (op === 'get') {
    path = `/api/v1/approvals/${created[Math.floor(Math.random() * created.length)]}`;
  } else if (op === 'list') {
    path = `/api/v1/approvals?status=pending&page_size=${pageSize}`;
  } else {
    if (nextToDecide >= created.length) return request(i, due, 'get');
    const id = created[nextToDecide++];
    method = 'PATCH';
    path = `/api/v1/approvals/${id}`;
    body = JSON.stringify({ decision: 'approve' });
    key = o.decider;
    if (withCallback.has(id)) cbId = id;
  }
  const w = win(due);
  w.offered++;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  if (body) headers['content-length'] = Buffer.byteLength(body);
  const req = http.request({ host: target.hostname, port: target.port, path, method, headers, agent }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (text += c));
    res.on('end', () => {
      w.latencies.push(performance.now() - due);
      w.statuses[res.statusCode] = (w.statuses[res.statusCode] ?? 0) + 1;
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      if (ok) w.served++;
      else w.errors++;
      const b = (w.byOp[op] ??= { n: 0, latencies: [] });
      b.n++;
      b.latencies.push(performance.now() - due);
      if (op === 'create' && res.statusCode === 201) {
        const id = JSON.parse(text).id;
        created.push(id);
        if (i % 2 === 0) withCallback.add(id);
        if (i % 2 === 0) callbackPath.set(id, `/cb/${i}`);
      }
      if (op === 'decide' && ok && cbId) decidedWithCallback.push(cbId);
      done++;
    });
  });
  req.on('error', (err) => {
    // Counted by its code beside the statuses, so a failed step says whether it was the app or the socket.
    const code = err.code ?? 'error';
    w.statuses[code] = (w.statuses[code] ?? 0) + 1;
    w.errors++;
    done++;
  });
  req.end(body);
}
const callbackPath = new Map();

let sent = 0;
let done = 0;
const interval = 1000 / o.rate;
const start = performance.now();
const end = start + o.seconds * 1000;
await new Promise((resolve) => {
  const tick = () => {
    const now = performance.now();
    const dueCount = Math.min(Math.floor((Math.min(now, end) - start) / interval) + 1, Math.ceil((end - start) / interval));
    while (sent < dueCount) {
      const i = sent++;
      request(i, start + i * interval, ORDER[i % ORDER.length]);
    }
    if (now < end) setTimeout(tick, 1);
    else resolve();
  };
  tick();
});
// Whatever is still in flight gets up to 60 s more; then its window counts it as not served.
const deadline = performance.now() + 60_000;
while (done < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
const cbDeadline = performance.now() + 15_000;
const missing = () => decidedWithCallback.filter((id) => !arrivals.has(callbackPath.get(id))).length;
while (missing() > 0 && performance.now() < cbDeadline) await new Promise((r) => setTimeout(r, 100));
agent.destroy();
receiver.close();
receiver.closeAllConnections?.();

const pct = (xs, p) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] * 100) / 100;
};
console.log(
  JSON.stringify({
    sent,
    answered: done,
    callbacks_expected: decidedWithCallback.length,
    callbacks_missing: missing(),
    windows: windows.map((w, k) => ({
      from_s: k * o.window,
      offered_rps: Math.round(w.offered / o.window),
      served_rps: Math.round(w.served / o.window),
      p50_ms: pct(w.latencies, 50),
      p99_ms: pct(w.latencies, 99),
      // Not answered 2xx: error statuses, connection errors and requests still unanswered 60 s after the run.
      errors: w.offered - w.served,
      statuses: w.statuses,
      ops: Object.fromEntries(Object.entries(w.byOp).map(([op, b]) => [op, { n: b.n, p50_ms: pct(b.latencies, 50), p99_ms: pct(b.latencies, 99) }])),
    })),
  }),
);
process.exit(0);
