/**
 * The server's answer rules as functions (core/answers.ts): what a vote stores and records, and which
 * requests a one-tap channel must send to the request's page (`needsAnswer`). Expectations written out
 * by hand.
 */
import { describe, expect, it } from 'vitest';
import type { ResponseSchema } from '@greenlight/contract';
import { checkVoteAnswer, needsAnswer } from './answers.ts';

const schema = (s: unknown) => s as ResponseSchema;
const OPEN = schema({ type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] });
const DEFAULTED = schema({ type: 'object', properties: { region: { type: 'string', default: 'eu' }, note: { type: 'string' } }, required: ['region'] });
const content = { metadata: { q: 'a', n: 1 }, changes: null };

describe('needsAnswer: whether a one-tap approve cannot stand for the request', () => {
  it.each([
    ['asks nothing', { response_schema: null, editable: [] }, false],
    ['fields absent (a server of the spec that sends neither)', {}, false],
    ['a schema its defaults answer', { response_schema: DEFAULTED, editable: [] }, false],
    ['a schema with a required field without default', { response_schema: OPEN, editable: [] }, true],
    ['editable fields, nothing asked', { response_schema: null, editable: ['metadata.q'] }, true],
    ['both', { response_schema: DEFAULTED, editable: ['metadata.q'] }, true],
  ])('%s → %s', (_name, a, expected) => {
    expect(needsAnswer(a)).toBe(expected);
  });
});

describe('checkVoteAnswer', () => {
  it('a request that asks nothing: an approve records nothing', () => {
    expect(checkVoteAnswer({ ...content, response_schema: null, editable: [] }, { decision: 'approve' })).toEqual({ ok: true, answer: null });
  });

  it('defaults filled in; an edit that changes nothing is dropped', () => {
    const r = checkVoteAnswer({ ...content, response_schema: DEFAULTED, editable: ['metadata.q', 'metadata.n'] }, { decision: 'approve', edits: { 'metadata.q': 'b', 'metadata.n': 1 } });
    expect(r).toEqual({ ok: true, answer: { response: { region: 'eu' }, edits: [{ path: 'metadata.q', before: 'a', after: 'b' }] } });
  });

  it('editable only: the answer records the edits and a null response', () => {
    expect(checkVoteAnswer({ ...content, response_schema: null, editable: ['metadata.q'] }, { decision: 'approve' })).toEqual({ ok: true, answer: { response: null, edits: [] } });
  });

  it('a rejection records nothing, and refuses an answer or edits', () => {
    expect(checkVoteAnswer({ ...content, response_schema: OPEN, editable: ['metadata.q'] }, { decision: 'reject' })).toEqual({ ok: true, answer: null });
    const r = checkVoteAnswer({ ...content, response_schema: OPEN, editable: [] }, { decision: 'reject', response: { amount: 1 }, edits: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.refusal.details.issues.map((i) => i.path)).toEqual(['response', 'edits']);
  });

  it('no answer given where one is needed: the message says where to give it', () => {
    const r = checkVoteAnswer({ ...content, response_schema: OPEN, editable: [] }, { decision: 'approve' });
    expect(r).toEqual({
      ok: false,
      refusal: {
        message: "this request asks for an answer before it can be approved (response.amount is required): answer it on the request's page",
        details: { location: 'body', reason: 'invalid_answer', issues: [{ path: 'response.amount', code: 'invalid_answer', message: 'is required' }] },
      },
    });
  });
});
