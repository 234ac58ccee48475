// Baseline for W1: Express 5 + pg waking waiters with Postgres LISTEN/NOTIFY, the way a bare app would.
// A decision commits one UPDATE whose statement also NOTIFYs; every process LISTENs on one connection
// and answers the long polls (`GET /api/v1/approvals/:id/wait`) and Server-Sent Events streams
// (`GET /api/v1/events`) it holds. Run two: one takes decisions, the other holds the waiters.
// Env: PORT, DATABASE_URL. Rows are seeded by the bench into bare_waits. Prints "ready <ms>".
import express from 'express';
import pg from 'pg';

const t0 = performance.now();
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`CREATE TABLE IF NOT EXISTS bare_waits (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL,
  status text NOT NULL DEFAULT 'pending', decided_at timestamptz, created_at timestamptz NOT NULL DEFAULT now())`);

/** Long polls waiting, by request id; open event streams. */
const waiting = new Map();
const streams = new Set();
const listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
await listener.connect();
await listener.query('LISTEN bare_decided');
listener.on('notification', (n) => {
  const row = JSON.parse(n.payload);
  for (const res of waiting.get(row.id) ?? []) res.json(row);
  waiting.delete(row.id);
  for (const res of streams) res.write(`event: approval.approved\ndata: ${n.payload}\n\n`);
});

const app = express();
app.use(express.json());
app.patch('/api/v1/approvals/:id', async (req, res) => {
  const { rows } = await pool.query(
    `WITH u AS (UPDATE bare_waits SET status = 'approved', decided_at = now() WHERE id = $1 AND status = 'pending' RETURNING *)
     SELECT u.*, pg_notify('bare_decided', json_build_object('id', u.id, 'status', u.status)::text) FROM u`,
    [req.params.id],
  );
  if (!rows[0]) return void res.status(409).json({ error: 'not pending' });
  res.json(rows[0]);
});
app.get('/api/v1/approvals/:id/wait', async (req, res) => {
  const id = req.params.id;
  // Listed before the read, so a decision committed between the two is not missed.
  const list = waiting.get(id) ?? [];
  list.push(res);
  waiting.set(id, list);
  const { rows } = await pool.query('SELECT id, status FROM bare_waits WHERE id = $1', [id]);
  if (rows[0] && rows[0].status !== 'pending' && waiting.get(id)?.includes(res)) {
    waiting.set(id, waiting.get(id).filter((r) => r !== res));
    res.json(rows[0]);
  }
});
app.get('/api/v1/events', (req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(': open\n\n');
  streams.add(res);
  req.on('close', () => streams.delete(res));
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`ready ${(performance.now() - t0).toFixed(1)}`));
process.on('SIGTERM', () => process.exit(0));
