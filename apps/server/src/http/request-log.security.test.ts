import type { Server } from 'node:http';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { createExpressServer } from './express-server.ts';
import { requestLog } from './request-log.ts';
import { captureLogs } from '../testing/capture-logs.ts';
import { listenOnLoopback } from '../testing/loopback.ts';

let server: Server | undefined;
afterEach(() => new Promise((r) => (server ? server.close(r) : r(undefined))));

const KEY = `gk_${'ab'.repeat(32)}`;

it.each([
  [`/api/v1/me?api_key=${KEY}`, '/api/v1/me?api_key=[REDACTED]'],
  [`/api/v1/me?x=1&access_token=tok.en&API_KEY=${KEY}`, '/api/v1/me?x=1&access_token=[REDACTED]&API_KEY=[REDACTED]'],
  ['/authorize?code=abc&client_secret=s3cret&state=ok', '/authorize?code=[REDACTED]&client_secret=[REDACTED]&state=ok'],
  ['/api/v1/approvals?search=fine', '/api/v1/approvals?search=fine'],
])('logs %s without the credential', async (path, logged) => {
  const { logger, lines } = captureLogs();
  const app = express();
  app.use(requestLog(logger));
  app.use((_req, res) => void res.status(401).end());
  server = createExpressServer(app);
  await fetch(`${await listenOnLoopback(server)}${path}`);
  await new Promise((r) => setTimeout(r, 20));
  const line = lines.find((l) => l.msg === 'request completed');
  expect(line).toMatchObject({ req: { url: logged } });
  expect(JSON.stringify(lines)).not.toContain(KEY);
  expect(JSON.stringify(lines)).not.toContain('s3cret');
});
