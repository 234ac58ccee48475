// Baseline for notification latency: Express 5 + pg committing one INSERT and sending the approver's
// email inline over SMTP (nodemailer, a pool of 4 connections, as the server's mailer), then answering.
// No outbox, no retry, nothing durable about the email. Env: PORT, DATABASE_URL, SMTP_URL. Prints "ready <ms>".
import express from 'express';
import nodemailer from 'nodemailer';
import pg from 'pg';

const t0 = performance.now();
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`CREATE TABLE IF NOT EXISTS bare_notify (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL,
  priority text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
const mail = nodemailer.createTransport({ url: process.env.SMTP_URL, pool: true, maxConnections: 4 });
const app = express();
app.use(express.json());
app.post('/api/v1/approvals', async (req, res) => {
  const { rows } = await pool.query('INSERT INTO bare_notify (title, priority) VALUES ($1, $2) RETURNING *', [req.body.title, req.body.priority ?? 'medium']);
  const row = rows[0];
  await mail.sendMail({
    from: 'bench@example.test',
    to: 'approver@example.test',
    subject: `[${row.priority}] Approval needed: ${row.title}`,
    text: `Approve: http://127.0.0.1/decide/x\nReject: http://127.0.0.1/decide/y`,
    html: '<p>Approve or reject</p>',
  });
  res.status(201).json(row);
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`ready ${(performance.now() - t0).toFixed(1)}`));
process.on('SIGTERM', () => process.exit(0));
