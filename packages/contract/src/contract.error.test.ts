import { describe, expect, it } from 'vitest';
import { CallbackHeaders, CreateApprovalBody, ListApprovalsQuery } from './index.ts';

const base = { title: 'Deploy', description: 'Release', priority: 'high' };

describe('the contract refuses bad input', () => {
  it.each([
    ['missing title', { description: 'x', priority: 'high' }],
    ['blank title', { ...base, title: '   ' }],
    ['unknown priority', { ...base, priority: 'urgent' }],
    ['unknown field', { ...base, titel: 'typo' }],
    ['ftp callback', { ...base, callback_url: 'ftp://example.com/x' }],
    ['callback that is not a URL', { ...base, callback_url: 'not a url' }],
    ['required_approvals 0', { ...base, required_approvals: 0 }],
    ['required_approvals as a string', { ...base, required_approvals: '2' }],
    ['expires_at without a zone', { ...base, expires_at: '2026-03-25 10:00' }],
    ['changes with extra keys', { ...base, changes: { before: {}, after: {}, extra: 1 } }],
  ])('%s', (_name, body) => {
    expect(CreateApprovalBody.safeParse(body).success).toBe(false);
  });

  it.each([
    ['webhook-id', 'x'],
    ['Host', 'evil.test'],
    ['Content-Type', 'text/plain'],
    ['content-length', '1'],
    ['Authorization', 'Bearer x'],
    ['X-Ok', 'a\r\nInjected: yes'],
    ['X-Ok', 'a\nb'],
    ['Bad Name', 'x'],
  ])('callback header %s: %j is refused', (name, value) => {
    expect(CallbackHeaders.safeParse({ [name]: value }).success).toBe(false);
  });

  it.each([
    [{ status: 'done' }],
    [{ priority: 'urgent,low' }],
    [{ tags: 'novalue' }],
    [{ sort: 'title' }],
    [{ page: '0' }],
    [{ created_after: 'yesterday' }],
  ])('list query %j', (query) => {
    expect(ListApprovalsQuery.safeParse(query).success).toBe(false);
  });
});
