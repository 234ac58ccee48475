// Load generator (autocannon 8.0.0) in its own process. Argument: JSON options (see lib.ts LoadOptions).
// Prints one JSON line of figures. POSTs create approvals, spreading requests round-robin across the keys.
import { appendFileSync } from 'node:fs';
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

const instance = autocannon(opts);
// SIGTERM from a fault script: stop and report what was answered so far.
process.once('SIGTERM', () => instance.stop());
const r = await instance;
if (o.idsFile) appendFileSync(o.idsFile, ids.map((id) => id + '\n').join(''));
console.log(
  JSON.stringify({
    requests: r.requests.total,
    rps: Math.round(r.requests.total / r.duration),
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
