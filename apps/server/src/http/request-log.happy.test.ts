import type { Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressServer } from './express-server.ts';
import { requestLog } from './request-log.ts';
import { captureLogs } from '../testing/capture-logs.ts';
import { listenOnLoopback } from '../testing/loopback.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function serve(app: express.Express): Promise<string> {
  const server = createExpressServer(app);
  servers.push(server);
  return listenOnLoopback(server);
}

describe('requestLog', () => {
  it("binds req.log to the request's id, made once, and defines nothing on the request itself", async () => {
    const { logger, lines } = captureLogs();
    const app = express();
    app.use(requestLog(logger));
    app.get('/work', (req, res) => {
      const first = req.log;
      first.info({ step: 1 }, 'working');
      res.json({ same: req.log === first, own: Object.getOwnPropertyNames(req).includes('log') });
    });
    const url = await serve(app);
    const res = await fetch(`${url}/work`, { headers: { 'x-request-id': 'abc-123' } });
    expect(await res.json()).toEqual({ same: true, own: false });
    await new Promise((r) => setTimeout(r, 20));
    expect(lines.find((l) => l.msg === 'working')).toMatchObject({ reqId: 'abc-123', step: 1 });
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ reqId: 'abc-123', req: { method: 'GET', url: '/work' }, res: { statusCode: 200 } });
  });

  it('gives concurrent requests their own loggers', async () => {
    const { logger, lines } = captureLogs();
    const app = express();
    app.use(requestLog(logger));
    app.get('/n/:n', async (req, res) => {
      await new Promise((r) => setTimeout(r, 10));
      req.log.info({ n: req.params.n }, 'mine');
      res.end();
    });
    const url = await serve(app);
    await Promise.all(['1', '2', '3'].map((n) => fetch(`${url}/n/${n}`, { headers: { 'x-request-id': `id-${n}` } })));
    await new Promise((r) => setTimeout(r, 20));
    const mine = lines.filter((l) => l.msg === 'mine').map((l) => [l.n, l.reqId]);
    expect(mine.sort()).toEqual([['1', 'id-1'], ['2', 'id-2'], ['3', 'id-3']]);
  });
});
