import express from 'express';
import { pino } from 'pino';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler } from './errors.ts';
import { requestLog } from './request-log.ts';

/** A route that fails the way node-postgres fails while Postgres restarts (behind the request log, as in the app). */
function appThrowing(err: unknown) {
  const app = express();
  app.use(requestLog(pino({ level: 'silent' })));
  app.get('/x', () => {
    throw err;
  });
  app.use(errorHandler);
  return app;
}

const pgError = (code: string, message = 'db') => Object.assign(new Error(message), { code });

describe('the database going away is a 503 to retry, not a 500', () => {
  it.each([
    ['admin shutdown (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['the database system is shutting down (57P03)', pgError('57P03', 'the database system is shutting down')],
    ['connection failure (08006)', pgError('08006')],
    ['connection refused', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a terminated client', new Error('Connection terminated unexpectedly')],
  ])('%s → 503 SERVICE_UNAVAILABLE with Retry-After', async (_name, err) => {
    const res = await supertest(appThrowing(err)).get('/x');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'the database is unavailable; retry shortly' });
  });

  it.each([
    ['a unique violation', pgError('23505')],
    ['a plain bug', new TypeError('x is undefined')],
  ])('%s stays a 500 without details', async (_name, err) => {
    const res = await supertest(appThrowing(err)).get('/x');
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'INTERNAL_ERROR', message: 'internal error' });
  });
});
