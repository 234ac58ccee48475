// The bare reference apps' one route: Express 5 doing one INSERT … RETURNING per create, nothing else.
// `query(sql, params)` is the database's (pg's pool or PGlite); prints "ready <ms since t0>" when listening.
import express from 'express';

const TABLE = `CREATE TABLE IF NOT EXISTS bare_items (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL,
  description text NOT NULL, priority text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`;

export async function serveBareInsert({ t0, query, close }) {
  await query(TABLE);
  const app = express();
  app.use(express.json());
  app.post('/api/v1/approvals', async (req, res) => {
    const { rows } = await query('INSERT INTO bare_items (title, description, priority) VALUES ($1, $2, $3) RETURNING *', [
      req.body.title,
      req.body.description,
      req.body.priority,
    ]);
    res.status(201).json(rows[0]);
  });
  app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`ready ${(performance.now() - t0).toFixed(1)}`));
  process.on('SIGTERM', () => close().then(() => process.exit(0)));
}
