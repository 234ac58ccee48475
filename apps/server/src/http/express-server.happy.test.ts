import { IncomingMessage, ServerResponse, createServer, type Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressServer } from './express-server.ts';
import { listenOnLoopback } from '../testing/loopback.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(server: Server): Promise<string> {
  servers.push(server);
  return listenOnLoopback(server);
}

function oneRouteApp(): express.Express {
  const app = express();
  app.get('/x', (_req, res) => res.json({ ok: true }));
  return app;
}

/** The prototypes a request and its response have when Node hands them over, before Express runs. */
function prototypesAtArrival(server: Server): { req?: object; res?: object } {
  const seen: { req?: object; res?: object } = {};
  server.prependListener('request', (req, res) => {
    seen.req = Object.getPrototypeOf(req) as object;
    seen.res = Object.getPrototypeOf(res) as object;
  });
  return seen;
}

describe('createExpressServer', () => {
  it('hands Express requests and responses that already have the app prototypes', async () => {
    const app = oneRouteApp();
    const server = createExpressServer(app);
    const seen = prototypesAtArrival(server);
    const url = await listen(server);
    expect(await (await fetch(`${url}/x`)).json()).toEqual({ ok: true });
    expect(seen.req).toBe(app.request);
    expect(seen.res).toBe(app.response);
  });

  it('changes what a plain http server would hand over (the reason it exists)', async () => {
    const app = oneRouteApp();
    const server = createServer(app);
    const seen = prototypesAtArrival(server);
    const url = await listen(server);
    await fetch(`${url}/x`);
    expect(seen.req).toBe(IncomingMessage.prototype);
    expect(seen.req).not.toBe(app.request);
  });

  it('keeps everything Express gives a handler', async () => {
    const app = express();
    app.set('query parser', 'simple');
    app.use(express.json());
    app.use((_req, res, next) => {
      res.locals.seen = 'middleware';
      next();
    });
    app.post('/items/:id', (req, res) => {
      res.status(201).set('X-Item', req.params.id).json({
        header: req.get('x-thing'),
        query: req.query,
        body: req.body as unknown,
        ownApp: req.app === app && res.app === app,
        locals: res.locals.seen as unknown,
        isNodeRequest: req instanceof IncomingMessage && res instanceof ServerResponse,
        path: req.path,
      });
    });
    const url = await listen(createExpressServer(app));
    const res = await fetch(`${url}/items/42?a=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-thing': 'yes' },
      body: JSON.stringify({ n: 1 }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-item')).toBe('42');
    expect(await res.json()).toEqual({
      header: 'yes',
      query: { a: '1' },
      body: { n: 1 },
      ownApp: true,
      locals: 'middleware',
      isNodeRequest: true,
      path: '/items/42',
    });
  });

  it('gives each app its own prototypes, so two apps in one process do not share request properties', async () => {
    const a = express();
    const b = express();
    (a.request as unknown as { label: string }).label = 'a';
    (b.request as unknown as { label: string }).label = 'b';
    for (const app of [a, b]) app.get('/', (req, res) => res.json({ label: (req as unknown as { label: string }).label, own: req.app === app }));
    const [ua, ub] = [await listen(createExpressServer(a)), await listen(createExpressServer(b))];
    expect(await (await fetch(ua)).json()).toEqual({ label: 'a', own: true });
    expect(await (await fetch(ub)).json()).toEqual({ label: 'b', own: true });
  });
});
