import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS } from '@greenlight/contract';
import { ACTIONS } from './generated/contract.ts';
import { apiErrorOf, classifyError, ERROR_KIND, ERROR_KINDS, kindOf, messageParts } from './errors.ts';
import { InputError, toRequest, wireValue } from './request.ts';

const envelope = (code: string, message: string) => ({ error: { code, message, request_id: 'req_1' } });

describe('classifyError', () => {
  it('the generated status table is the contract’s', async () => {
    const { ERROR_STATUS: generated } = await import('./generated/contract.ts');
    expect(generated).toEqual(ERROR_STATUS);
  });

  it.each(ERROR_CODES)('%s has a kind, and the envelope decides it over the status', (code) => {
    expect(ERROR_KINDS).toContain(ERROR_KIND[code]);
    expect(classifyError(ERROR_STATUS[code], envelope(code, 'm')).kind).toBe(ERROR_KIND[code]);
  });

  it.each([
    [401, envelope('UNAUTHORIZED', 'invalid or expired token'), {}, 'reauthorize', 'Greenlight did not accept the credentials of this connection (invalid or expired token): reconnect it.'],
    [403, envelope('SELF_APPROVAL_FORBIDDEN', 'you cannot approve a request you created'), {}, 'forbidden', 'you cannot approve a request you created'],
    [409, envelope('EXTERNAL_ID_CONFLICT', 'external_id is taken'), {}, 'duplicate', 'external_id is taken'],
    [409, envelope('APPROVAL_EXPIRED', 'the request has expired'), {}, 'conflict', 'the request has expired'],
    [429, envelope('RATE_LIMITED', 'slow down'), { 'Retry-After': '17' }, 'throttle', "Greenlight's rate limit for this connection was reached; try again in 17 s. slow down"],
    [429, 'Too Many Requests', {}, 'throttle', "Greenlight's rate limit for this connection was reached; try again in 60 s. Too Many Requests"],
    [
      503,
      envelope('EMERGENCY_STOP', 'emergency stop is active'),
      {},
      'stopped',
      'Greenlight’s emergency stop is on for your organization: approval requests cannot be created, decided or cancelled until an admin turns it off in the Greenlight dashboard. Run this step again afterwards.',
    ],
    [503, envelope('SERVICE_UNAVAILABLE', 'database unavailable'), {}, 'unavailable', 'Greenlight is unavailable (HTTP 503): database unavailable. Try again later.'],
    [502, '<html>bad gateway</html>', {}, 'unavailable', 'Greenlight is unavailable (HTTP 502): <html>bad gateway</html>. Try again later.'],
    [504, undefined, {}, 'unavailable', 'Greenlight is unavailable (HTTP 504): no details. Try again later.'],
    [418, { unexpected: true }, {}, 'bad_input', '{"unexpected":true}'],
    [404, JSON.stringify(envelope('NOT_FOUND', 'approval request not found')), {}, 'not_found', 'approval request not found'],
  ])('%i %j → %s', (status, body, headers, kind, message) => {
    const c = classifyError(status, body, headers);
    expect({ kind: c.kind, message: c.message }).toEqual({ kind, message });
  });

  it('keeps the code and request id, and names a bare status', () => {
    expect(classifyError(409, envelope('INVALID_STATUS', 'already approved'))).toEqual({
      kind: 'conflict', status: 409, code: 'INVALID_STATUS', message: 'already approved', detail: 'already approved', requestId: 'req_1',
    });
    expect(classifyError(502, '').code).toBe('HTTP_502');
  });

  it('an unknown code falls back on the status; a prototype key is no code', () => {
    expect(kindOf(409, 'SOMETHING_NEW')).toBe('conflict');
    expect(kindOf(400, 'toString')).toBe('bad_input');
    expect(kindOf(500, 'constructor')).toBe('unavailable');
  });

  it('cuts a long body', () => {
    expect(classifyError(500, 'x'.repeat(2000)).detail).toHaveLength(500);
  });

  it('reads an envelope from text and bytes, and nothing from other shapes', () => {
    const text = JSON.stringify(envelope('NOT_FOUND', 'gone'));
    expect(apiErrorOf(text)).toEqual({ code: 'NOT_FOUND', message: 'gone', request_id: 'req_1' });
    expect(apiErrorOf(new TextEncoder().encode(text))?.code).toBe('NOT_FOUND');
    for (const body of [undefined, null, 'nope', { error: 'invalid_grant' }, { error: { code: 1, message: 'm' } }]) expect(apiErrorOf(body)).toBeUndefined();
  });

  it('every template splits into text and known slots', () => {
    for (const kind of ERROR_KINDS) for (const p of messageParts(kind)) if (typeof p !== 'string') expect(['message', 'status', 'retry_after']).toContain(p.slot);
    expect(messageParts('throttle')).toEqual(["Greenlight's rate limit for this connection was reached; try again in ", { slot: 'retry_after' }, ' s. ', { slot: 'message' }]);
  });
});

describe('toRequest', () => {
  it('puts path, query and body fields where they belong, coerced, empty ones left out', () => {
    expect(
      toRequest(ACTIONS.request_approval, {
        title: 'Deploy', description: 'd', priority: 'high', required_approvals: '2', is_sequential: 'no',
        metadata: '{"run":7}', expires_at: '2030-01-02T03:04:05Z', tags: {}, resource: { type: 'service', id: 42, name: '' }, source: '',
      }),
    ).toEqual({
      method: 'POST',
      path: '/api/v1/approvals',
      body: {
        title: 'Deploy', description: 'd', priority: 'high', required_approvals: 2, is_sequential: false,
        metadata: { run: 7 }, expires_at: '2030-01-02T03:04:05.000Z', resource: { type: 'service', id: '42' },
      },
      successStatuses: [200, 201],
    });
    expect(toRequest(ACTIONS.list_approvals, { status: ['pending', 'approved'], priority: 'high, low', search: 'x', page_size: '5' }, [200])).toEqual({
      method: 'GET', path: '/api/v1/approvals', query: { status: 'pending,approved', priority: 'high,low', search: 'x', page_size: '5' }, successStatuses: [200],
    });
    expect(toRequest(ACTIONS.cancel, { id: ' a/b ' })).toEqual({ method: 'DELETE', path: '/api/v1/approvals/a%2Fb', successStatuses: [200, 201] });
  });

  it.each([
    ['metadata', '{not json', 'Metadata is not valid JSON'],
    ['expires_at', 'tomorrow-ish', 'Expires At is not a date and time'],
  ])('a malformed %s is an InputError naming the field', (key, value, message) => {
    const run = () => toRequest(ACTIONS.request_approval, { title: 't', description: 'd', priority: 'low', [key]: value });
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });

  it('a missing path parameter is an InputError', () => {
    expect(() => toRequest(ACTIONS.decide, { decision: 'approve' })).toThrow('Approval Request ID is required');
  });

  it('leaves text that is not a number or a boolean for the API to refuse', () => {
    const field = (type: 'integer' | 'boolean') => ({ key: 'k', label: 'K', help: '', type, required: false, in: 'body' as const });
    expect(wireValue(field('integer'), 'two')).toBe('two');
    expect(wireValue(field('boolean'), 'maybe')).toBe('maybe');
  });
});
