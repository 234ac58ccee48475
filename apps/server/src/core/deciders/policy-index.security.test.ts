/**
 * The policy index never changes an answer: for random policy sets (guarded and unguarded attribute
 * reads, tags, `like` patterns, `||`, `!`, `unless`, conditions that always err, ill-typed ones the
 * schema would refuse) and random requests, Cedar given only the index's candidates says what Cedar
 * given the whole set says: the same decision, the same policies holding, the same policies erring,
 * the same shadow verdicts. And the index does leave policies out (else it would prove nothing).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NEVER_WITHOUT_PERSON, type Priority } from '@greenlight/contract';
import { compilePolicySet, evaluate, explain, shadowVerdicts, type PolicyRequest } from './policy.ts';
import { boundOf } from './policy-index.ts';
import { policyToJson } from '@cedar-policy/cedar-wasm/nodejs';

const pattern = fc.constantFrom('a*', 'a.*', '*', 'a.b', 'b*', '*b', '', 'a\\*', 'ab*c');
const literal = fc.constantFrom('a', 'a.b', 'ab', 'b', '', 'x', 'v', 'w');
const tagKey = fc.constantFrom('k1', 'k2');
const priority = fc.constantFrom<Priority>('low', 'medium', 'high', 'critical');

const atom: fc.Arbitrary<string> = fc.oneof(
  fc.constant('resource has action_type'),
  pattern.map((p) => `resource.action_type like "${p}"`),
  pattern.map((p) => `resource has action_type && resource.action_type like "${p}"`),
  literal.map((l) => `resource.action_type == "${l}"`),
  literal.map((l) => `"${l}" == resource.action_type`),
  fc.tuple(literal, literal).map(([a, b]) => `resource has action_type && ["${a}", "${b}"].contains(resource.action_type)`),
  tagKey.map((k) => `resource.hasTag("${k}")`),
  fc.tuple(tagKey, literal).map(([k, v]) => `resource.getTag("${k}") == "${v}"`),
  fc.tuple(tagKey, literal).map(([k, v]) => `resource.hasTag("${k}") && resource.getTag("${k}") == "${v}"`),
  fc.tuple(tagKey, pattern).map(([k, p]) => `resource.hasTag("${k}") && resource.getTag("${k}") like "${p}"`),
  fc.tuple(tagKey, pattern).map(([k, p]) => `resource.getTag("${k}") like "${p}"`),
  priority.map((p) => `resource.priority == "${p}"`),
  fc.tuple(priority, priority).map(([a, b]) => `["${a}", "${b}"].contains(resource.priority)`),
  literal.map((l) => `resource has source && resource.source == "${l}"`),
  literal.map((l) => `resource.source == "${l}"`),
  fc.integer({ min: 1, max: 4 }).map((n) => `resource.priority_rank >= ${n}`),
  // Always errs (overflow), whatever the request.
  fc.constant('resource.priority_rank + 9223372036854775807 > 0'),
  // Ill-typed: errs at run time (a saved set is not validated again).
  fc.constant('resource.priority_rank like "1*"'),
  fc.constant('principal.kind == "connection"'),
  fc.constant('context.time.hour < 12'),
  fc.constant('resource.metadata.hasTag("m") && resource.metadata.getTag("m") == "1"'),
  fc.constant('resource.metadata.getTag("m") == "1"'),
  fc.constant('resource.title like "*x*"'),
  fc.constant('resource has entity && resource.entity.type == "invoice"'),
  fc.constant('resource.entity.type == "invoice"'),
  fc.constant('resource.changed_fields.contains("amount")'),
  fc.constant('if resource has source then resource.source == "x" else resource.priority == "low"'),
  fc.constant('true'),
  fc.constant('false'),
);

const condition: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `(${a}) && (${b})`),
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `(${a}) || (${b})`),
    tie('c').map((a) => `!(${a})`),
  ),
})).c;

const policy = fc.record({
  effect: fc.constantFrom('permit', 'forbid'),
  shadow: fc.boolean(),
  scope: fc.constantFrom('principal, action, resource', 'principal, action, resource is Greenlight::Request'),
  clauses: fc.array(fc.record({ kind: fc.constantFrom('when', 'unless'), body: condition }), { minLength: 0, maxLength: 3 }),
});

const policySet = fc
  .array(policy, { minLength: 1, maxLength: 10 })
  .map((ps) =>
    ps
      .map((p, i) => `@id("p${i}")${p.shadow ? '\n@shadow' : ''}\n${p.effect} (${p.scope})\n${p.clauses.map((c) => `${c.kind} { ${c.body} }`).join('\n')};`)
      .join('\n\n'),
  );

const request: fc.Arbitrary<PolicyRequest> = fc
  .record({
    action_type: fc.constantFrom('a', 'a.b', 'a.bc', 'ab', 'abc', 'b', '', 'x', null),
    source: fc.constantFrom('a', 'x', '', null),
    priority,
    k1: fc.constantFrom('v', 'w', '', 'a.b', undefined),
    k2: fc.constantFrom('v', 'x', undefined),
    m: fc.constantFrom('1', 2, undefined),
    entity: fc.constantFrom('invoice', 'user', undefined),
    title: fc.constantFrom('Fix', 'xx'),
  })
  .map((r) => ({
    title: r.title,
    action_type: r.action_type,
    source: r.source,
    priority: r.priority,
    metadata: r.m === undefined ? {} : { m: r.m },
    tags: Object.fromEntries(Object.entries({ k1: r.k1, k2: r.k2 }).filter(([, v]) => v !== undefined)) as Record<string, string>,
    resource: r.entity === undefined ? null : { type: r.entity, id: '1' },
    changes: r.entity === 'user' ? { before: { amount: 1 }, after: { amount: 2 } } : null,
    has_callback: false,
    required_approvals: 1,
    requester: { kind: 'connection', id: '00000000-0000-4000-8000-000000000001', name: 'ci', auth_type: 'api_key' },
  }));

let n = 0;
const noon = new Date('2026-11-24T12:00:00Z');

describe('evaluating only the index candidates', () => {
  it('answers as the whole set does, for random sets and requests', () => {
    const seen = { left_out: 0, errors: 0, decided: 0 };
    fc.assert(
      fc.property(policySet, fc.array(request, { minLength: 1, maxLength: 8 }), fc.boolean(), (text, requests, marked) => {
        const never = marked ? { priorities: DEFAULT_NEVER_WITHOUT_PERSON.priorities, action_types: ['a.*'] } : DEFAULT_NEVER_WITHOUT_PERSON;
        const set = compilePolicySet(1, text, never, { saved: true });
        const slot = `prop:${++n}`;
        for (const r of requests) {
          const whole = explain(slot, set, r, noon, 'all');
          expect(explain(slot, set, r, noon, 'candidates')).toEqual(whole);
          const verdict = evaluate(slot, set, r, noon, 'all');
          expect(evaluate(slot, set, r, noon)).toEqual(verdict);
          expect(shadowVerdicts(slot, set, r, noon)).toEqual(shadowVerdicts(slot, set, r, noon, 'all'));
          seen.left_out += set.policies.length - set.index.candidates(r).length;
          seen.errors += whole.errors.length;
          if (verdict.kind !== 'none') seen.decided++;
        }
      }),
      { numRuns: 300, seed: 20261124 },
    );
    // The runs exercised what matters: policies left out, policies erring, decisions made.
    expect(seen.left_out).toBeGreaterThan(100);
    expect(seen.errors).toBeGreaterThan(100);
    expect(seen.decided).toBeGreaterThan(100);
  }, 180_000);
});

describe('the bounds', () => {
  const boundOfText = (condition: string) => {
    const r = policyToJson(`forbid (principal, action, resource) when { ${condition} };`);
    if (r.type !== 'success') throw new Error('does not parse');
    return boundOf(r.json);
  };

  it.each([
    ['resource has action_type && resource.action_type like "read.*"', { dim: 'action_type', exact: [], prefixes: ['read.'] }],
    ['resource has action_type && resource.action_type == "refund"', { dim: 'action_type', exact: ['refund'], prefixes: [] }],
    ['resource.hasTag("team") && resource.getTag("team") == "t-1" && resource.priority == "low"', { dim: 'tag:team', exact: ['t-1'], prefixes: [] }],
    ['resource.priority == "low"', { dim: 'priority', exact: ['low'], prefixes: [] }],
    ['["a", "b"].contains(resource.priority) || resource.priority == "c"', { dim: 'priority', exact: ['a', 'b', 'c'], prefixes: [] }],
  ])('%s: bounded', (condition, expected) => {
    expect(boundOfText(condition)).toEqual(expected);
  });

  it.each([
    // Could err for a request without the attribute or tag: it must stay a candidate.
    'resource.action_type like "read.*"',
    'resource.getTag("env") == "prod"',
    // An error before the bound could come first.
    'resource.priority_rank + 1 > 0 && resource.priority == "low"',
    'resource.getTag("x") == "y" && resource.hasTag("env") && resource.getTag("env") == "prod"',
    // Either side may hold: no bound on one dimension.
    'resource.priority == "low" || resource.hasTag("env")',
    '!(resource.priority == "low")',
    'context.time.hour < 6',
  ])('%s: a candidate for every request', (condition) => {
    expect(boundOfText(condition)).toBeNull();
  });

  it('a forbid that errs on a request without the tag it reads stays in, and withholds the approval', () => {
    const set = compilePolicySet(
      1,
      '@id("ok")\npermit (principal, action, resource);\n@id("prod")\nforbid (principal, action, resource) when { resource.getTag("env") == "prod" };',
      DEFAULT_NEVER_WITHOUT_PERSON,
      { saved: true },
    );
    const r: PolicyRequest = {
      title: 't', action_type: 'a', source: null, priority: 'low', metadata: {}, tags: {}, resource: null, changes: null, has_callback: false, required_approvals: 1,
      requester: { kind: 'connection', id: '00000000-0000-4000-8000-000000000001', name: 'ci' },
    };
    expect(set.index.candidates(r)).toEqual([0, 1]);
    expect(evaluate(`prop:${++n}`, set, r, noon)).toMatchObject({ kind: 'none', withheld: { why: 'evaluation_error' } });
  });
});
