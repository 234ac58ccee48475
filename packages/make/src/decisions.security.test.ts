/**
 * The Make waiting pattern fails closed, on the app as written to disk and run by the IML harness:
 * scenario B ("Watch Decisions (instant)" on the callback) and the polling "Watch Decisions" are fed
 * every outcome and every kind of body a webhook can get. Only a delivery whose event and request
 * both say approved gives `approved: true`; anything that is no decision makes no bundle, so
 * scenario B does not run. The rule comes from @greenlight/triggers (`outcomeOf`), generated into IML.
 */
import { describe, expect, it } from 'vitest';
import { OUTCOME_SOURCES, SAMPLE_DECIDED_APPROVAL, outcomeOf, outcomeOfStatus, type DecisionOutcome } from '@greenlight/triggers';
import { evaluate } from './iml/evaluate.ts';
import { MakeRuntime } from './runtime/runtime.ts';

const runtime = new MakeRuntime();
const hook = { id: 'greenlightDecisions', url: 'https://hook.make.test/scenario-b', params: { subscribe: false, events: [] }, data: {} };
const receive = (body: unknown) => runtime.receive(hook, { body, headers: { 'content-type': 'application/json' } }) as Record<string, unknown>[];

const request = (status: string) => ({ ...SAMPLE_DECIDED_APPROVAL, status });
const delivery = (type: unknown, approval: unknown) => ({
  type,
  timestamp: '2026-03-24T10:05:12.000Z',
  data: { event_id: '42', org_id: SAMPLE_DECIDED_APPROVAL.org_id, approval_id: SAMPLE_DECIDED_APPROVAL.id, actor: { type: 'user', id: 'u1', name: 'Dana' }, from_status: 'pending', to_status: 'x', details: {}, approval },
});

const OUTCOMES = Object.keys(OUTCOME_SOURCES) as DecisionOutcome[];

describe('scenario B: the callback webhook', () => {
  it.each(OUTCOMES)('%s: one bundle, the request with its outcome', (outcome) => {
    const { event, status } = OUTCOME_SOURCES[outcome];
    const bundles = receive(delivery(event, request(status)));
    expect(bundles).toEqual([{ ...request(status), outcome, approved: outcome === 'approved' }]);
  });

  it.each([
    ['rejected', 'approved'],
    ['pending', 'approved'],
    ['cancelled', 'approved'],
  ])('an approval event whose request says %s: no bundle', (status) => {
    expect(receive(delivery('approval.approved', request(status)))).toEqual([]);
  });

  it.each(['rejected', 'cancelled', 'expired'] as const)('a %s event is never approved, whatever its request says', (outcome) => {
    const [bundle] = receive(delivery(OUTCOME_SOURCES[outcome].event, request('approved')));
    expect(bundle).toMatchObject({ outcome, approved: false });
  });

  it.each([
    ['an approval without its request', delivery('approval.approved', null)],
    ['an approval with no request field', (({ data: { approval: _, ...data }, ...rest }) => ({ ...rest, data }))(delivery('approval.approved', null))],
    ['a non-final event', delivery('approval.created', request('pending'))],
    ['a comment', delivery('comment.created', request('approved'))],
    ['an unknown event', delivery('approval.escalated', request('approved'))],
    ['a status where the type belongs', delivery('approved', request('approved'))],
    ['no type', delivery(undefined, request('approved'))],
    ['a null type', delivery(null, request('approved'))],
    ['an empty object', {}],
    ['null', null],
    ['an empty string', ''],
    ['text', 'approval.approved'],
    ['a number', 1],
    ['an array', [delivery('approval.approved', request('approved'))]],
  ])('%s: no bundle, the scenario does not run', (_, body) => {
    expect(receive(body)).toEqual([]);
  });

  it('agrees with outcomeOf on every event type and status', () => {
    const types = [...OUTCOMES.map((o) => OUTCOME_SOURCES[o].event), 'approval.created', 'comment.created', 'nonsense'];
    const statuses = ['pending', ...OUTCOMES.map((o) => OUTCOME_SOURCES[o].status), 'nonsense'];
    for (const type of types) {
      for (const status of statuses) {
        const expected = outcomeOf({ type, approval: { status } });
        const bundles = receive(delivery(type, request(status)));
        expect(bundles.map((b) => b.outcome), `${type} / ${status}`).toEqual(expected ? [expected] : []);
        expect(bundles.map((b) => b.approved)).toEqual(expected ? [expected === 'approved'] : []);
      }
    }
  });
});

describe('the polling "Watch Decisions"', () => {
  const output = (runtime.app.modules.watchDecisions!.codes.communication as { response: { output: unknown } }).response.output;
  const bundle = (item: unknown) => evaluate(output, { item }) as Record<string, unknown>;

  it.each(OUTCOMES)('%s: the request with its outcome', (outcome) => {
    const status = OUTCOME_SOURCES[outcome].status;
    expect(bundle(request(status))).toEqual({ ...request(status), outcome, approved: outcome === 'approved' });
  });

  it.each([
    ['pending', request('pending')],
    ['an unknown status', request('escalated')],
    ['a status in another case', request('APPROVED')],
    ['no status', (({ status: _, ...rest }) => rest)(request('approved'))],
    ['an empty item', {}],
    ['a null item', null],
  ])('%s: no outcome, not approved', (_, item) => {
    expect(outcomeOfStatus((item as { status?: unknown } | null)?.status)).toBeUndefined();
    expect(bundle(item)).toMatchObject({ outcome: '', approved: false });
  });
});
