// Load generator in its own process. Argument: JSON options (see lib.ts LoadOptions).
// Prints one JSON line of figures. POSTs create approvals, spreading requests round-robin across the keys.
//
// Without `rate`: autocannon 8.0.0, closed loop (each connection sends its next request when the last
// one is answered): the maximum throughput. With `rate`: an open loop written here, because
// autocannon's own rate limit is not one: each connection sends its whole quota for the second back
// to back and then waits for the next second, so "70 % of the maximum" was full load for 0.7 s and
// nothing for 0.3 s. Here request i is due at start + i / rate, sent on a free keep-alive connection
// (at most `connections`), and its latency counts from when it was due, so time spent waiting for a
// free connection is not hidden (no coordinated omission).
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import autocannon from 'autocannon';

const o = JSON.parse(process.argv[2]);
const keys = o.keys ?? [];
let n = 0;
const statuses = {};
const ids = [];

const opts = {
  url: o.url,
  connections: o.connections,
  duration: o.seconds,
  timeout: 10,
  ...(o.rate ? { overallRate: o.rate } : {}),
  requests: [
    {
      method: o.method ?? 'POST',
      path: o.path ?? '/api/v1/approvals',
      setupRequest(req) {
        const i = n++;
        const headers = { ...req.headers, 'content-type': 'application/json' };
        if (keys.length) headers.authorization = `Bearer ${keys[i % keys.length]}`;
        if ((o.method ?? 'POST') === 'POST') {
          req.body = JSON.stringify({ title: `Bench ${i}`, description: 'load test', priority: 'low' });
        }
        return { ...req, headers };
      },
      onResponse(status, body) {
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (o.idsFile && status === 201) ids.push(JSON.parse(body).id);
      },
    },
  ],
};

if (o.rate) {
  console.log(JSON.stringify(await paced()));
  process.exit(0);
}

async function paced() {
  const target = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const interval = 1000 / o.rate;
  const latencies = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  let done = 0;
  const start = performance.now();
  const end = start + o.seconds * 1000;
  let finish;
  const finished = new Promise((r) => (finish = r));
  const send = (i, due) => {
    const method = o.method ?? 'POST';
    const body = method === 'POST' ? JSON.stringify({ title: `Bench ${i}`, description: 'load test', priority: 'low' }) : undefined;
    const headers = { 'content-type': 'application/json' };
    if (keys.length) headers.authorization = `Bearer ${keys[i % keys.length]}`;
    if (body) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: target.hostname, port: target.port, path: o.path ?? '/api/v1/approvals', method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        latencies.push(performance.now() - due);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
        else if (o.idsFile && res.statusCode === 201) ids.push(JSON.parse(text).id);
        if (++done === sent && performance.now() >= end) finish();
      });
    });
    req.on('error', () => {
      errors++;
      if (++done === sent && performance.now() >= end) finish();
    });
    req.end(body);
  };
  const tick = () => {
    const now = performance.now();
    const dueCount = Math.min(Math.floor((Math.min(now, end) - start) / interval) + 1, Math.ceil((end - start) / interval));
    while (sent < dueCount) {
      const i = sent++;
      send(i, start + i * interval);
    }
    if (now < end) setTimeout(tick, Math.max(0, Math.min(interval, 1)));
    else if (done === sent) finish();
  };
  tick();
  await finished;
  agent.destroy();
  if (o.idsFile) appendFileSync(o.idsFile, ids.map((id) => id + '\n').join(''));
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] * 100) / 100 : 0);
  return {
    requests: sent,
    rps: Math.round(latencies.length / o.seconds),
    non2xx,
    errors,
    timeouts: 0,
    p50_ms: pct(50),
    p90_ms: pct(90),
    p99_ms: pct(99),
    max_ms: pct(100),
    statuses,
  };
}

const instance = autocannon(opts);
// SIGTERM from a fault script: stop and report what was answered so far.
process.once('SIGTERM', () => instance.stop());
const r = await instance;
if (o.idsFile) appendFileSync(o.idsFile, ids.map((id) => id + '\n').join(''));
console.log(
  JSON.stringify({
    requests: r.requests.total,
    // Only 2xx answers count: a refused request (429, 503) is cheap and would flatter the rate.
    rps: Math.round(r['2xx'] / r.duration),
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    p50_ms: r.latency.p50,
    p90_ms: r.latency.p90,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    statuses,
  }),
);
