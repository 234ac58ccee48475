import type { Server } from 'node:http';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { createExpressServer } from './express-server.ts';
import './request-log.ts';
import { listenOnLoopback } from '../testing/loopback.ts';

let server: Server | undefined;
afterEach(() => new Promise((r) => (server ? server.close(r) : r(undefined))));

it('req.log on an app without requestLog fails with an error that says why', async () => {
  const app = express();
  app.get('/', (req, res) => {
    try {
      req.log.info('never');
      res.json({ threw: false });
    } catch (err) {
      res.json({ threw: true, message: (err as Error).message });
    }
  });
  server = createExpressServer(app);
  const res = await fetch(`${await listenOnLoopback(server)}/`);
  expect(await res.json()).toEqual({ threw: true, message: expect.stringMatching(/requestLog middleware/) });
});
