/**
 * The policy decider against expectations written out by hand (not through the evaluator): what each
 * small set decides about each request, that a forbid wins, that Cedar's default deny is no decision,
 * that a never-without-a-person class is not approved, and where a refused text is wrong.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_NEVER_WITHOUT_PERSON } from '@greenlight/contract';
import { compilePolicySet, evaluate, PolicySourceError, shadowVerdicts, type PolicyRequest } from './policy.ts';

const request = (over: Partial<PolicyRequest> = {}): PolicyRequest => ({
  title: 'Read the logs',
  action_type: 'read.logs',
  source: 'ci',
  priority: 'low',
  metadata: {},
  tags: {},
  resource: null,
  changes: null,
  has_callback: false,
  required_approvals: 1,
  requester: { kind: 'connection', id: '00000000-0000-4000-8000-000000000001', name: 'ci', auth_type: 'api_key' },
  ...over,
});

const SET = `
@id("reads")
@reason("reads are safe")
permit (principal, action, resource)
when { resource has action_type && resource.action_type like "read.*" };

@id("no-prod")
@reason("nothing touches prod without a person saying so")
forbid (principal, action, resource)
when { resource.hasTag("env") && resource.getTag("env") == "prod" };

@id("small-refunds")
permit (principal, action, resource)
when { resource has action_type && resource.action_type == "refund" && resource.metadata.hasTag("amount") && resource.metadata.getTag("amount") == "5" };

@id("night")
forbid (principal, action, resource)
when { context.time.hour < 6 && resource.priority_rank >= 3 };
`;

let n = 0;
const slot = () => `test:${++n}`;
const noon = new Date('2026-11-24T12:00:00Z');

describe('what a set decides', () => {
  const set = compilePolicySet(3, SET, DEFAULT_NEVER_WITHOUT_PERSON);

  it('lists its policies in the order of the text, with their effect, reason and line', () => {
    expect(set.policies).toEqual([
      { id: 'reads', effect: 'permit', reason: 'reads are safe', line: 2, mode: 'enforce', answers: null },
      { id: 'no-prod', effect: 'forbid', reason: 'nothing touches prod without a person saying so', line: 7, mode: 'enforce', answers: null },
      { id: 'small-refunds', effect: 'permit', reason: null, line: 12, mode: 'enforce', answers: null },
      { id: 'night', effect: 'forbid', reason: null, line: 16, mode: 'enforce', answers: null },
    ]);
  });

  const cases: [string, Partial<PolicyRequest>, Date, string][] = [
    ['a read is approved by "reads"', {}, noon, 'approve:reads'],
    ['a read of prod: the forbid wins over the permit', { tags: { env: 'prod' } }, noon, 'reject:no-prod'],
    ['a deploy no policy speaks of: no decision (never a rejection)', { action_type: 'deploy' }, noon, 'none'],
    ['a request without action_type: no decision', { action_type: null }, noon, 'none'],
    ['a refund of 5 (metadata as tags): approved', { action_type: 'refund', metadata: { amount: 5 } }, noon, 'approve:small-refunds'],
    ['a refund of 50: no decision', { action_type: 'refund', metadata: { amount: 50 } }, noon, 'none'],
    ['a high-priority read at 03:00: the time forbid', { priority: 'high' }, new Date('2026-11-24T03:00:00Z'), 'reject:night'],
    ['a critical read: never without a person', { priority: 'critical' }, noon, 'none'],
    ['a critical read of prod: still rejected (a policy may deny)', { priority: 'critical', tags: { env: 'prod' } }, noon, 'reject:no-prod'],
  ];
  it.each(cases)('%s', (_name, over, at, expected) => {
    const v = evaluate(slot(), set, request(over), at);
    expect(v.kind === 'none' ? 'none' : `${v.kind}:${v.policy.id}`).toBe(expected);
    if (v.kind !== 'none') expect(v.policy.version).toBe(3);
  });

  it('a critical request a permit covers says which policy was held back, and why', () => {
    expect(evaluate(slot(), set, request({ priority: 'critical' }), noon)).toEqual({
      kind: 'none',
      withheld: { policy: { id: 'reads', version: 3, reason: 'reads are safe' }, why: 'needs_person' },
    });
  });

  it('an action type an admin marks is never approved, whatever permits it', () => {
    const marked = compilePolicySet(1, SET, { priorities: ['critical'], action_types: ['read.secrets*'] });
    expect(evaluate(slot(), marked, request({ action_type: 'read.secrets.vault' }), noon).kind).toBe('none');
    expect(evaluate(slot(), marked, request({ action_type: 'read.logs' }), noon).kind).toBe('approve');
  });

  it('an empty set decides nothing', () => {
    expect(evaluate(slot(), compilePolicySet(0, '', DEFAULT_NEVER_WITHOUT_PERSON), request(), noon)).toEqual({ kind: 'none' });
  });

  it('two versions in one slot: each evaluation uses its own', () => {
    const s = slot();
    const allow = compilePolicySet(1, '@id("all") permit (principal, action, resource);', DEFAULT_NEVER_WITHOUT_PERSON);
    const deny = compilePolicySet(2, '@id("none") forbid (principal, action, resource);', DEFAULT_NEVER_WITHOUT_PERSON);
    expect(evaluate(s, allow, request(), noon).kind).toBe('approve');
    expect(evaluate(s, deny, request(), noon).kind).toBe('reject');
    expect(evaluate(s, allow, request(), noon).kind).toBe('approve');
  });

  it('the requester, the resource, changes and the agent session are there to read', () => {
    const text = `
@id("agent")
permit (principal, action, resource)
when { principal.kind == "connection" && principal has auth_type && principal.auth_type == "api_key"
       && resource has entity && resource.entity.type == "file" && resource.changed_fields.contains("plan")
       && resource has agent_session && resource.agent_session == "s-1" && context.time.weekday == 2 };`;
    const s = compilePolicySet(1, text, DEFAULT_NEVER_WITHOUT_PERSON);
    const r = request({ resource: { type: 'file', id: 'a.txt' }, changes: { before: { plan: 'pro' }, after: { plan: null } }, metadata: { session_id: 's-1' } });
    expect(evaluate(slot(), s, r, noon).kind).toBe('approve');
    expect(evaluate(slot(), s, { ...r, metadata: { session_id: 's-2' } }, noon).kind).toBe('none');
  });
});

describe('a request that asks for an answer (docs/answers.md)', () => {
  const text = `
@id("takes-defaults")
@answers("defaults")
permit (principal, action, resource) when { resource has action_type && resource.action_type == "read.logs" };

@id("plain")
permit (principal, action, resource) when { resource has action_type && resource.action_type == "read.files" };

@id("shadow-defaults")
@shadow
@answers("defaults")
permit (principal, action, resource) when { resource has action_type && resource.action_type == "read.files" };
`;
  const set = compilePolicySet(4, text, DEFAULT_NEVER_WITHOUT_PERSON);
  const defaulted = { type: 'object' as const, properties: { region: { type: 'string' as const, default: 'eu' } }, required: ['region'] };
  const open = { type: 'object' as const, properties: { amount: { type: 'number' as const } }, required: ['amount'] };

  it('reads @answers("defaults") on a permit', () => {
    expect(set.policies.map((p) => [p.id, p.answers])).toEqual([
      ['takes-defaults', 'defaults'],
      ['plain', null],
      ['shadow-defaults', 'defaults'],
    ]);
  });

  it.each([
    ['a permit with @answers("defaults"), defaults that answer: approved', { response_schema: defaulted }, 'approve:takes-defaults'],
    ['a permit with @answers("defaults"), defaults that do not answer: no decision', { response_schema: open }, 'none'],
    ['a permit without @answers, defaults that answer: no decision', { action_type: 'read.files', response_schema: defaulted }, 'none'],
    ['a permit without @answers, nothing asked: approved', { action_type: 'read.files', response_schema: null }, 'approve:plain'],
  ])('%s', (_name, over, expected) => {
    const v = evaluate(slot(), set, request(over as Partial<PolicyRequest>), noon);
    expect(v.kind === 'none' ? 'none' : `${v.kind}:${v.policy.id}`).toBe(expected);
  });

  it('a permit held back for the answer says so', () => {
    expect(evaluate(slot(), set, request({ response_schema: open }), noon)).toEqual({
      kind: 'none',
      withheld: { policy: { id: 'takes-defaults', version: 4, reason: null }, why: 'needs_answer' },
    });
  });

  it('a shadow permit would approve only on the same terms', () => {
    expect(shadowVerdicts(slot(), set, request({ action_type: 'read.files', response_schema: defaulted }), noon)).toEqual([{ policy_id: 'shadow-defaults', would: 'approve' }]);
    expect(shadowVerdicts(slot(), set, request({ action_type: 'read.files', response_schema: open }), noon)).toEqual([]);
  });
});

describe('shadow policies', () => {
  const text = `
@id("reads")
permit (principal, action, resource) when { resource has action_type && resource.action_type like "read.*" };

@id("try-deploys")
@shadow
permit (principal, action, resource) when { resource has action_type && resource.action_type like "deploy.*" };

@id("try-no-staging")
@shadow
forbid (principal, action, resource) when { resource.hasTag("env") && resource.getTag("env") == "staging" };
`;
  const set = compilePolicySet(2, text, DEFAULT_NEVER_WITHOUT_PERSON);

  it('decide nothing, and each says alone what it would have decided', () => {
    expect(set.policies.map((p) => [p.id, p.mode])).toEqual([
      ['reads', 'enforce'],
      ['try-deploys', 'shadow'],
      ['try-no-staging', 'shadow'],
    ]);
    const s = slot();
    const deploy = request({ action_type: 'deploy.web', tags: { env: 'staging' } });
    expect(evaluate(s, set, deploy, noon)).toEqual({ kind: 'none' });
    // Each alone: the forbid does not hide the permit's answer.
    expect(shadowVerdicts(s, set, deploy, noon)).toEqual([
      { policy_id: 'try-deploys', would: 'approve' },
      { policy_id: 'try-no-staging', would: 'reject' },
    ]);
    // An enforced permit still decides; a shadow forbid does not stop it.
    expect(evaluate(s, set, request({ tags: { env: 'staging' } }), noon).kind).toBe('approve');
    // A shadow permit would not approve what never goes without a person.
    expect(shadowVerdicts(s, set, request({ action_type: 'deploy.web', priority: 'critical' }), noon)).toEqual([]);
  });
});

describe('a text refused, at its line and column', () => {
  const refused = (source: string) => {
    try {
      compilePolicySet(1, source, DEFAULT_NEVER_WITHOUT_PERSON);
    } catch (err) {
      if (err instanceof PolicySourceError) return err.issues;
      throw err;
    }
    throw new Error('accepted');
  };

  it.each([
    ['a syntax error', '@id("a")\npermit (principal, action, resource)\nwhen { resource.priority == };', 3, 29, 'unexpected token'],
    ['an attribute the schema lacks', '@id("a")\npermit (principal, action, resource)\n  when { resource.prio == "low" };', 3, 10, 'attribute `prio` on entity type `Greenlight::Request` not found'],
    ['an optional attribute read without has', '@id("a")\npermit (principal, action, resource)\nwhen { resource.action_type == "x" };', 3, 8, 'optional attribute `action_type`'],
    ['a type error', '@id("a")\npermit (principal, action, resource)\nwhen { resource.priority_rank == "high" };', 3, 8, 'type'],
    ['a policy without @id', '@id("a")\npermit (principal, action, resource);\n\nforbid (principal, action, resource);', 4, 1, 'needs an @id'],
    ['two policies with one @id', '@id("a")\npermit (principal, action, resource);\n@id("a")\nforbid (principal, action, resource);', 3, 1, 'also the id of the policy on line 1'],
    ['a template', '@id("a")\npermit (principal == ?principal, action, resource);', 1, 1, 'template'],
    ['a permit of critical requests', '@id("a")\npermit (principal, action, resource)\nwhen { resource.priority == "critical" };', 1, 1, 'never goes without a person'],
    ['a permit of critical requests in a set', '@id("a")\npermit (principal, action, resource)\nwhen { ["high", "critical"].contains(resource.priority) };', 1, 1, 'priority critical'],
    ['a permit of the top rank', '@id("a")\npermit (principal, action, resource)\nwhen { resource.priority_rank >= 4 };', 1, 1, 'priority_rank'],
    ['a permit of "not below critical"', '@id("a")\npermit (principal, action, resource)\nunless { resource.priority != "critical" };', 1, 1, 'priority critical'],
  ] as const)('%s', (_name, source, line, column, message) => {
    const [first] = refused(source);
    expect(first).toMatchObject({ line, column });
    expect(first!.message).toContain(message);
  });

  it('a forbid of critical requests, and a permit that excludes them, are fine', () => {
    expect(() =>
      compilePolicySet(1, '@id("a")\nforbid (principal, action, resource)\nwhen { resource.priority == "critical" };\n@id("b")\npermit (principal, action, resource)\nwhen { resource.priority != "critical" };', DEFAULT_NEVER_WITHOUT_PERSON),
    ).not.toThrow();
  });

  it('a permit of a marked action type is refused', () => {
    expect(() => compilePolicySet(1, '@id("p")\npermit (principal, action, resource)\nwhen { resource has action_type && resource.action_type like "payments.*" };', { priorities: [], action_types: ['payments.*'] })).toThrow(
      /action_type like "payments."/,
    );
  });
});
