/** What the Zap user sees for each failure the API can answer (the `before` and `after` middleware). */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS } from '@greenlight/contract';
import type { HttpResponse } from 'zapier-platform-core';
import { classifyError, ERROR_KIND, type ErrorKind } from '@greenlight/triggers';
import { errorFor } from '../src/middleware.ts';
import { call, BASE, api, appTester, authData, envelope, failure, useNock } from './helpers.ts';

useNock();
const ID = 'a1b2c3d4-e5f6-4890-abcd-ef1234567890';
const decide = () => call('creates.decide_approval.operation.perform', { authData, inputData: { id: ID, decision: 'approve' } });
const STOP =
  'Greenlight’s emergency stop is on for your organization: approval requests cannot be created, decided or cancelled until an admin turns it off in the Greenlight dashboard. Run this step again afterwards.';

describe('after middleware', () => {
  it('401 → RefreshAuthError, so Zapier refreshes the token and retries', async () => {
    api().patch(`/api/v1/approvals/${ID}`).reply(401, envelope('UNAUTHORIZED', 'invalid or expired token'), { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    expect(await failure(decide())).toMatchObject({ name: 'RefreshAuthError' });
  });

  it.each([
    [429, { 'Retry-After': '17' }, envelope('RATE_LIMITED', 'rate limit exceeded'), { name: 'ThrottledError', message: "Greenlight's rate limit for this connection was reached; try again in 17 s. rate limit exceeded", delay: 17 }],
    [503, {}, envelope('EMERGENCY_STOP', 'emergency stop is active'), { name: 'AppError', message: STOP, code: 'EMERGENCY_STOP', status: 503 }],
    [403, {}, envelope('SELF_APPROVAL_FORBIDDEN', 'you cannot approve a request you created'), { name: 'AppError', message: 'you cannot approve a request you created', code: 'SELF_APPROVAL_FORBIDDEN', status: 403 }],
    [403, {}, envelope('INSUFFICIENT_SCOPE', 'requires scope approvals:write'), { name: 'AppError', message: 'requires scope approvals:write', code: 'INSUFFICIENT_SCOPE', status: 403 }],
    [409, {}, envelope('INVALID_STATUS', 'approval request is already approved'), { name: 'AppError', message: 'approval request is already approved', code: 'INVALID_STATUS', status: 409 }],
    [400, {}, envelope('VALIDATION_ERROR', 'decision must be approve or reject'), { name: 'AppError', message: 'decision must be approve or reject', code: 'VALIDATION_ERROR', status: 400 }],
    [404, {}, envelope('NOT_FOUND', 'approval request not found'), { name: 'AppError', message: 'approval request not found', code: 'NOT_FOUND', status: 404 }],
    [503, {}, envelope('SERVICE_UNAVAILABLE', 'database unavailable'), { name: 'AppError', message: 'Greenlight is unavailable (HTTP 503): database unavailable. Try again later.', code: 'SERVICE_UNAVAILABLE', status: 503 }],
    [502, {}, '<html>bad gateway</html>', { name: 'AppError', message: 'Greenlight is unavailable (HTTP 502): <html>bad gateway</html>. Try again later.', code: 'HTTP_502', status: 502 }],
  ])('%i %j → %j', async (status, headers, body, expected) => {
    api().patch(`/api/v1/approvals/${ID}`).reply(status, body, headers);
    expect(await failure(decide())).toEqual(expected);
  });

  it('a Retry-After date becomes a delay in seconds', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    api().patch(`/api/v1/approvals/${ID}`).reply(429, envelope('RATE_LIMITED', 'slow down'), { 'Retry-After': at });
    const { delay } = await failure(decide());
    expect(delay).toBeGreaterThanOrEqual(28);
    expect(delay).toBeLessThanOrEqual(31);
  });
});

/** Zapier's error for each kind: the table in src/middleware.ts, read back as the runtime reports it. */
const ZAPIER_ERROR: Record<ErrorKind, string> = {
  reauthorize: 'RefreshAuthError',
  throttle: 'ThrottledError',
  forbidden: 'AppError',
  bad_input: 'AppError',
  duplicate: 'AppError',
  not_found: 'AppError',
  conflict: 'AppError',
  stopped: 'AppError',
  unavailable: 'AppError',
};

describe('every error code of the contract', () => {
  it.each(ERROR_CODES)('%s → the shared kind’s Zapier error and the shared message', async (code) => {
    const status = ERROR_STATUS[code];
    const body = envelope(code, `what the API says about ${code}`);
    const headers: Record<string, string> = code === 'RATE_LIMITED' ? { 'Retry-After': '17' } : {};
    const shared = classifyError(status, body, headers);
    api().patch(`/api/v1/approvals/${ID}`).reply(status, body, headers);
    const error = await failure(decide());
    expect(error.name).toBe(ZAPIER_ERROR[ERROR_KIND[code]]);
    // On a 401 Zapier's core raises its own RefreshAuthError before any app middleware, refreshes
    // the token and retries; only a failed refresh reaches the user, in Zapier's words (below: ours).
    expect(error.message).toBe(ERROR_KIND[code] === 'reauthorize' ? '' : shared.message);
    if (error.name === 'AppError') expect(error).toMatchObject({ code, status });
    if (error.name === 'ThrottledError') expect(error.delay).toBe(17);
  });
});

it('a 401 that reaches the app’s middleware reads as on every platform', async () => {
  const body = envelope('UNAUTHORIZED', 'invalid or expired token');
  const response = { status: 401, data: body, content: JSON.stringify(body), headers: new Headers() } as unknown as HttpResponse;
  const error = await appTester(async (z) => errorFor(z, response), { authData });
  expect(error).toMatchObject({ name: 'RefreshAuthError', message: classifyError(401, body).message });
});

describe('before middleware', () => {
  it('sends the bearer token to Greenlight, and to no other host', async () => {
    nock('https://elsewhere.test', { badheaders: ['authorization'] }).get('/file').reply(200, {});
    await appTester(async (z) => (await z.request('https://elsewhere.test/file')).status, { authData });
    nock(BASE, { reqheaders: { authorization: `Bearer ${authData.access_token}` } }).get('/api/v1/me').reply(200, {});
    await appTester(async (z) => (await z.request(`${BASE}/api/v1/me`)).status, { authData });
  });
});
