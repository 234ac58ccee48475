// Load generator, run as its own process so it does not share the server's event loop.
// Usage: node load.mjs URL KEY CONCURRENCY MAX_REQUESTS SECONDS → prints one JSON line of figures.
const [url, key, concurrency, maxRequests, seconds] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;
const latencies = [];
let sent = 0;
let errors = 0;
const statuses = {};

async function worker(w) {
  while (sent < Number(maxRequests) && Date.now() < deadline) {
    const n = sent++;
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/api/v1/approvals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Bench ${w}-${n}`, description: 'load test', priority: 'low' }),
      });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status !== 201) errors++;
    } catch {
      errors++;
    }
    latencies.push(performance.now() - t0);
  }
}

const start = performance.now();
await Promise.all(Array.from({ length: Number(concurrency) }, (_, w) => worker(w)));
const elapsed = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    statuses,
    seconds: Number(elapsed.toFixed(2)),
    rps: Math.round(latencies.length / elapsed),
    p50_ms: Number(pct(50).toFixed(2)),
    p99_ms: Number(pct(99).toFixed(2)),
  }),
);
