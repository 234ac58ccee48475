/**
 * Every error code of the contract through the app's `response.error` as written to disk
 * (general/base.iml.json, evaluated as Make would): the Make type of the code's kind, and the
 * message every platform shows (packages/triggers' classifyError).
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS } from '@greenlight/contract';
import { classifyError, ERROR_KIND, type ErrorKind } from '@greenlight/triggers';
import { loadApp } from './runtime/runtime.ts';
import { responseError } from './runtime/request.ts';

const app = loadApp();
const response = (app.base.response ?? {}) as Record<string, unknown>;
const fail = (status: number, body: unknown, headers: Record<string, string> = {}, now = new Date()) =>
  responseError(response, { body, headers, statusCode: status, now }, status, body, headers);

/** Make's error type for each kind (the table in src/app/errors.ts, read back from the app's JSON). */
const MAKE_TYPE: Record<ErrorKind, string> = {
  reauthorize: 'InvalidAccessTokenError',
  forbidden: 'InvalidConfigurationError',
  throttle: 'RateLimitError',
  bad_input: 'DataError',
  duplicate: 'DuplicateDataError',
  not_found: 'DataError',
  conflict: 'DataError',
  stopped: 'ConnectionError',
  unavailable: 'ConnectionError',
};

const envelope = (code: string, message: string) => ({ error: { code, message, request_id: 'req_1' } });

describe('every error code of the contract', () => {
  it.each(ERROR_CODES)('%s → the shared kind’s Make type and the shared message', (code) => {
    const status = ERROR_STATUS[code];
    const body = envelope(code, `what the API says about ${code}`);
    const headers: Record<string, string> = code === 'RATE_LIMITED' ? { 'retry-after': '17' } : {};
    const e = fail(status, body, headers);
    expect(e.type).toBe(MAKE_TYPE[ERROR_KIND[code]]);
    expect(e.message).toBe(classifyError(status, body, headers).message);
  });
});

describe('answers without an envelope, and Retry-After', () => {
  it.each([
    [502, '<html>bad gateway</html>', {}],
    [504, '', {}],
    [418, 'I am a teapot', {}],
    [409, { error: { code: 'SOMETHING_NEW', message: 'a code this app does not know' } }, {}],
    [429, envelope('RATE_LIMITED', 'slow down'), {}],
    [429, envelope('RATE_LIMITED', 'slow down'), { 'retry-after': ' 5 ' }],
    [429, envelope('RATE_LIMITED', 'slow down'), { 'retry-after': 'whenever' }],
  ])('%i %j %j reads as on every platform', (status, body, headers: Record<string, string>) => {
    const shared = classifyError(status, body, headers);
    const e = fail(status, body, headers);
    expect(e.message).toBe(shared.message);
    expect(e.type).toBe(MAKE_TYPE[shared.kind]);
  });

  it('an HTTP-date Retry-After is the seconds until then', () => {
    const now = new Date('2026-11-22T12:00:00.000Z');
    const e = fail(429, envelope('RATE_LIMITED', 'slow down'), { 'retry-after': 'Sun, 22 Nov 2026 12:00:30 GMT' }, now);
    expect(e.message).toBe(classifyError(429, envelope('RATE_LIMITED', 'slow down'), { 'retry-after': 'Sun, 22 Nov 2026 12:00:30 GMT' }, now.getTime()).message);
    expect(e.message).toContain('try again in 30 s.');
  });

  it('an HTTP-date already past is no wait, as on every platform', () => {
    const now = new Date('2026-11-22T12:00:00.000Z');
    const past = { 'retry-after': 'Sun, 22 Nov 2026 11:00:00 GMT' };
    const e = fail(429, envelope('RATE_LIMITED', 'slow down'), past, now);
    expect(e.message).toBe(classifyError(429, envelope('RATE_LIMITED', 'slow down'), past, now.getTime()).message);
    expect(e.message).toContain('try again in 0 s.');
  });
});
