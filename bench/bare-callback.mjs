// Baseline for P3: Express 5 + pg deciding a request with one UPDATE (its own commit) and POSTing the
// callback inline (signed body, fetch with its default keep-alive pool), then answering. Nothing else.
// Env: PORT, DATABASE_URL. Rows are seeded by the bench into bare_decisions. Prints "ready <ms>".
import { createHmac } from 'node:crypto';
import express from 'express';
import pg from 'pg';

const t0 = performance.now();
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`CREATE TABLE IF NOT EXISTS bare_decisions (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL,
  status text NOT NULL DEFAULT 'pending', callback_url text, decided_at timestamptz, created_at timestamptz NOT NULL DEFAULT now())`);
const app = express();
app.use(express.json());
app.patch('/api/v1/approvals/:id', async (req, res) => {
  const { rows } = await pool.query(
    `UPDATE bare_decisions SET status = 'approved', decided_at = now() WHERE id = $1 AND status = 'pending' RETURNING *`,
    [req.params.id],
  );
  const row = rows[0];
  if (!row) return void res.status(409).json({ error: 'not pending' });
  let delivered = false;
  if (row.callback_url) {
    const body = JSON.stringify({ type: 'approval.approved', data: row });
    const signature = createHmac('sha256', 'bench-secret').update(body).digest('hex');
    try {
      const r = await fetch(row.callback_url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': signature }, body });
      await r.arrayBuffer();
      delivered = r.ok;
    } catch {
      delivered = false;
    }
  }
  res.json({ ...row, callback_delivered: delivered });
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`ready ${(performance.now() - t0).toFixed(1)}`));
process.on('SIGTERM', () => process.exit(0));
