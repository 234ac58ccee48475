/**
 * Every wait path of the SDK fed every answer a wait can get, including ones a real server never
 * sends (a stand-in answering on purpose what Greenlight would not): only status `approved` is an
 * approval; a wait that runs out is `timed_out`, distinct from every decision; an unknown, missing
 * or malformed status is an error, never a decision. The real server's side: test/client-sdk.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { SAMPLE_DECIDED_APPROVAL, SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';
import { Greenlight } from './client.ts';
import { ContractMismatchError, DecisionTimeoutError, WrongRequestError } from './errors.ts';

const ID = SAMPLE_PENDING_APPROVAL.id;

/** A fetch that answers every long poll with the next body of a script (the last one repeats). */
function answering(...bodies: unknown[]) {
  let calls = 0;
  const fetch = (async () => {
    const body = bodies[Math.min(calls++, bodies.length - 1)];
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { client: new Greenlight({ baseUrl: 'https://gl.test/', apiKey: 'gk_k', fetch, maxRetries: 0 }), calls: () => calls };
}

const answer = (status: string, extra: Record<string, unknown> = {}) => ({ ...SAMPLE_DECIDED_APPROVAL, status, timed_out: false, ...extra });
const PENDING_AT_TIMEOUT = { ...SAMPLE_PENDING_APPROVAL, timed_out: true };

describe('a final status is its outcome, on every wait path', () => {
  it.each(['approved', 'rejected', 'cancelled', 'expired'])('%s', async (status) => {
    expect((await answering(answer(status)).client.approvals.wait(ID, 5)).outcome).toBe(status);
    expect(await answering(answer(status)).client.approvals.waitForOutcome(ID, { timeout: 5 })).toMatchObject({ outcome: status, approval: { status } });
    expect(await answering(answer(status)).client.approvals.waitForDecision(ID, { timeout: 5 })).toMatchObject({ outcome: status, status });
  });

  it('a decision after some pending answers ends the wait with it', async () => {
    const { client, calls } = answering(PENDING_AT_TIMEOUT, PENDING_AT_TIMEOUT, answer('rejected'));
    expect((await client.approvals.waitForOutcome(ID, { timeout: 120 })).outcome).toBe('rejected');
    expect(calls()).toBe(3);
  });
});

describe('an answer about another request is an error, never its outcome', () => {
  const OTHER = '0b9d8c7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e';
  const others = { approved: answer('approved', { id: OTHER }), pending: { ...PENDING_AT_TIMEOUT, id: OTHER } };

  it.each(Object.entries(others))('another request, %s: every wait path throws WrongRequestError', async (_, body) => {
    for (const wait of [
      (c: Greenlight) => c.approvals.wait(ID, 5),
      (c: Greenlight) => c.approvals.waitForOutcome(ID, { timeout: 5 }),
      (c: Greenlight) => c.approvals.waitForDecision(ID, { timeout: 5 }),
    ]) {
      const err = await wait(answering(body).client).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WrongRequestError);
      expect(err).toMatchObject({ expected: ID, received: OTHER });
    }
  });

  it('get, decide, cancel: an answer about another request is an error too', async () => {
    const other = { ...SAMPLE_DECIDED_APPROVAL, id: OTHER };
    const calls: [(c: Greenlight) => Promise<unknown>, object][] = [
      [(c) => c.approvals.get(ID), { ...other, run: null, results: [] }],
      [(c) => c.approvals.approve(ID), { ...other, callback_delivered: false }],
      [(c) => c.approvals.cancel(ID), { ...other, status: 'cancelled' }],
    ];
    for (const [call, body] of calls) expect(await call(answering(body).client).catch((e: unknown) => e)).toBeInstanceOf(WrongRequestError);
  });

  it('pending answers about this request, then an approval of another: still an error', async () => {
    const err = await answering(PENDING_AT_TIMEOUT, others.approved).client.approvals.waitForOutcome(ID, { timeout: 120 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongRequestError);
  });

  it('an answer with no id at all', async () => {
    const { id: _, ...noId } = answer('approved');
    expect(await answering(noId).client.approvals.wait(ID, 5).catch((e: unknown) => e)).toBeInstanceOf(ContractMismatchError);
  });
});

describe('running out of time is timed_out, never a decision', () => {
  it('one long poll that ends pending says timed_out', async () => {
    expect((await answering(PENDING_AT_TIMEOUT).client.approvals.wait(ID, 1)).outcome).toBe('timed_out');
  });

  it('a pending answer before the timeout is no outcome yet', async () => {
    expect((await answering({ ...SAMPLE_PENDING_APPROVAL, timed_out: false }).client.approvals.wait(ID, 1)).outcome).toBeNull();
  });

  it('waitForOutcome answers timed_out with the request as last seen; waitForDecision throws DecisionTimeoutError', async () => {
    const result = await answering(PENDING_AT_TIMEOUT).client.approvals.waitForOutcome(ID, { timeout: 1 });
    expect(result).toEqual({ outcome: 'timed_out', approval: PENDING_AT_TIMEOUT });
    const err = await answering(PENDING_AT_TIMEOUT).client.approvals.waitForDecision(ID, { timeout: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecisionTimeoutError);
    expect(err).toMatchObject({ outcome: 'timed_out', approvalId: ID, approval: { status: 'pending' } });
  });
});

describe('an unknown, missing or malformed answer is an error, never a decision', () => {
  it.each([
    ['an unknown status', answer('escalated')],
    ['a status in another case', answer('APPROVED')],
    ['no status', (({ status: _, ...rest }) => rest)(answer('approved'))],
    ['a null status', answer('approved', { status: null })],
    ['a status that is an object', answer('approved', { status: { value: 'approved' } })],
    ['an empty body', {}],
    ['a string body', 'approved'],
    ['null', null],
    ['no timed_out flag', (({ timed_out: _, ...rest }) => rest)(answer('approved'))],
  ])('%s', async (_, body) => {
    for (const call of [
      (c: Greenlight) => c.approvals.wait(ID, 1),
      (c: Greenlight) => c.approvals.waitForOutcome(ID, { timeout: 1 }),
      (c: Greenlight) => c.approvals.waitForDecision(ID, { timeout: 1 }),
    ]) {
      const err = await call(answering(body).client).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContractMismatchError);
    }
  });
});
