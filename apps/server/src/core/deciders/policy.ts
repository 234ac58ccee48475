/**
 * Policies as a decider: an org's Cedar policy set, compiled once per version, evaluated in-process
 * for each new request (modules/policies states the API; docs/policies.md the language).
 *
 * The mapping of Cedar's answer onto ours, and why it is not Cedar's own:
 * - a `forbid` satisfied → reject (Cedar: deny with that forbid among the reasons); a forbid always wins;
 * - else a `permit` satisfied → approve, unless the request is of a class that never goes without a
 *   person (then: no decision);
 * - else → no decision (people are asked). Cedar's default deny is an absence of policy here, never a
 *   rejection: a set that says nothing about a request leaves it to people.
 * - Fails closed: a policy that errors on a request (Cedar skips it) could be a forbid that did not get
 *   to say no, so any evaluation error withholds an approval (a forbid that did hold still rejects).
 *
 * Cedar runs as WebAssembly in this process (`@cedar-policy/cedar-wasm`'s `nodejs` build, CommonJS,
 * which reads its .wasm beside itself: the server bundle leaves the package external, so it ships as
 * installed). A set is parsed once into the module's own cache ("preparsed", keyed by org) and each
 * request is then a call of about 0.1 ms; a slot holds one org's one version at a time and is reloaded
 * when a newer compiled set is evaluated (evaluation is synchronous, so no call sees a half-loaded slot).
 */
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError, Expr, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import {
  POLICY_ACTION,
  POLICY_LIMITS,
  POLICY_NAMESPACE,
  PRIORITY_RANK,
  policySchemaText,
  type Approval,
  type DecidedByPolicy,
  type NeverWithoutPerson,
  type Priority,
  type ResponseSchema,
  defaultsAnswer,
} from '@greenlight/contract';
import { compileGlob } from '../routing.ts';
import { boundOf, PolicyIndex } from './policy-index.ts';
import { lazyModule } from '../../lazy-module.ts';

/**
 * Cedar's `nodejs` build compiles and instantiates its 4 MB of WebAssembly as it is loaded (about 6 MB
 * of a server's memory, and more as its functions tier up); most orgs have no policy, so it is loaded
 * by the first set that has one.
 */
const cedar = lazyModule<typeof Cedar>(import.meta.url, '@cedar-policy/cedar-wasm/nodejs');

/** One problem of a policy text, where it is (1-based line and column of `source`). */
export interface PolicyIssue {
  line: number;
  column: number;
  message: string;
  /** The `@id` of the policy it is in, when known. */
  policy_id?: string;
}

export class PolicySourceError extends Error {
  constructor(readonly issues: PolicyIssue[]) {
    super(issues.map((i) => `line ${i.line}, column ${i.column}: ${i.message}`).join('; '));
  }
}

export interface PolicyInfo {
  id: string;
  effect: 'permit' | 'forbid';
  reason: string | null;
  line: number;
  /** `@shadow`: evaluated and recorded, never applied. */
  mode: 'enforce' | 'shadow';
  /** `@answers("defaults")` on a permit: it may approve a request that asks for an answer its defaults give (they become the answer). */
  answers: 'defaults' | null;
}

export interface CompiledPolicySet {
  version: number;
  source: string;
  /** In the order of the text; Cedar names them policy0, policy1, … in that order. */
  policies: PolicyInfo[];
  /** Each policy's own text, by `@id`: the enforced ones are evaluated together, each shadow one alone. */
  texts: Map<string, string>;
  never: NeverWithoutPerson;
  /** Whether a request is of a class no policy may approve. */
  needsPerson(r: Pick<PolicyRequest, 'priority' | 'action_type'>): boolean;
  /** Which policies (positions in `policies`) may apply to a request: the others are false for it, without error (policy-index.ts). */
  index: PolicyIndex;
}

/** What a policy reads of a new request (POLICY_SCHEMA in the contract says what each becomes). */
export interface PolicyRequest {
  title: string;
  action_type: string | null;
  source: string | null;
  priority: Priority;
  metadata: Record<string, unknown>;
  tags: Record<string, string>;
  resource: Approval['resource'];
  changes: Approval['changes'];
  has_callback: boolean;
  required_approvals: number;
  /** What the request asks the approving reviewer to answer (docs/answers.md); absent or null: nothing. Not a Cedar attribute. */
  response_schema?: ResponseSchema | null;
  requester: { kind: 'connection' | 'user'; id: string; name: string | null; auth_type?: 'api_key' | 'oauth'; oauth_client_id?: string | null };
}

export type Verdict =
  | { kind: 'none'; withheld?: { policy: DecidedByPolicy; why: 'needs_person' | 'evaluation_error' | 'needs_answer' } }
  | { kind: 'approve' | 'reject'; policy: DecidedByPolicy };

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const SCHEMA_SLOT = 'greenlight';
let schemaLoaded = false;

function ensureSchema(): void {
  if (schemaLoaded) return;
  const r = cedar().preparseSchema(SCHEMA_SLOT, policySchemaText());
  if (r.type !== 'success') throw new Error(`the policy schema does not parse: ${r.errors.map((e) => e.message).join('; ')}`);
  schemaLoaded = true;
}

/** 1-based line and column of a UTF-8 byte offset of `text` (Cedar's source locations are byte offsets). */
function position(text: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: [...lines.at(-1)!].length + 1 };
}

function issuesOf(source: string, errors: DetailedError[], policyIdOf?: (cedarId: string) => string | undefined, cedarIds?: string[]): PolicyIssue[] {
  return errors.map((e, i) => {
    const at = e.sourceLocations?.[0];
    const where = at ? position(source, at.start) : { line: 1, column: 1 };
    const label = at?.label ? ` (${at.label})` : '';
    const help = e.help ? `; ${e.help}` : '';
    const message = `${e.message.replace(/^failed to parse policies from string: /, '').replace(/^for policy `policy\d+`, /, '')}${label}${help}`;
    const policyId = cedarIds?.[i] !== undefined ? policyIdOf?.(cedarIds[i]!) : undefined;
    return { ...where, message, ...(policyId !== undefined && { policy_id: policyId }) };
  });
}

/** A value of `resource.<attr>` in a condition. */
const isAttr = (e: Expr, attr: string): boolean => {
  const dot = (e as { '.'?: { left: Expr; attr: string } })['.'];
  return dot !== undefined && dot.attr === attr && (dot.left as { Var?: string }).Var === 'resource';
};
const literal = (e: Expr): unknown => (e as { Value?: unknown }).Value;

/**
 * Whether a permit names a class that never goes without a person outright: `resource.priority ==
 * "critical"`, `["high", "critical"].contains(resource.priority)`, `resource.priority_rank >= 4`, or an
 * `action_type` compared with (or `like`) a value the marked globs match, where the condition can make
 * the policy hold (a `!` or an `unless` turns it around). Only what is written out is found: a permit that
 * covers a class without naming it (no condition on priority at all) is held back when a request comes.
 */
function namedClasses(policy: PolicyJson, never: NeverWithoutPerson, marked: ((v: string) => boolean)[]): string[] {
  const found = new Set<string>();
  const protectedPriority = (p: unknown) => typeof p === 'string' && (never.priorities as string[]).includes(p);
  const protectedRank = (test: (rank: number) => boolean) => never.priorities.some((p) => test(PRIORITY_RANK[p]));
  const markedType = (v: unknown) => typeof v === 'string' && marked.some((m) => m(v));
  const walk = (e: Expr, positive: boolean): void => {
    const node = e as Record<string, { left?: Expr; right?: Expr; arg?: Expr; pattern?: unknown[]; if?: Expr; then?: Expr; else?: Expr }>;
    const [op] = Object.keys(node);
    const v = op === undefined ? undefined : node[op]!;
    if (!v || typeof v !== 'object') return;
    if (op === '!') return walk(v.arg!, !positive);
    if (op === '&&' || op === '||') {
      walk(v.left!, positive);
      walk(v.right!, positive);
      return;
    }
    if (op === 'if-then-else') {
      walk(v.then!, positive);
      walk(v.else!, positive);
      return;
    }
    const eqLike = (op === '==' && positive) || (op === '!=' && !positive);
    if (eqLike && v.left && v.right) {
      for (const [a, b] of [[v.left, v.right], [v.right, v.left]] as const) {
        if (isAttr(a, 'priority') && protectedPriority(literal(b))) found.add(`priority ${String(literal(b))}`);
        if (isAttr(a, 'action_type') && markedType(literal(b))) found.add(`action_type ${String(literal(b))}`);
        if (isAttr(a, 'priority_rank') && typeof literal(b) === 'number' && protectedRank((r) => r === literal(b))) found.add('a protected priority_rank');
      }
    }
    if (positive && op === 'contains' && v.left && v.right && isAttr(v.right, 'priority')) {
      const set = (v.left as { Set?: Expr[] }).Set ?? [];
      for (const item of set) if (protectedPriority(literal(item))) found.add(`priority ${String(literal(item))}`);
    }
    if (positive && (op === '>=' || op === '>') && v.left && v.right && isAttr(v.left, 'priority_rank') && typeof literal(v.right) === 'number') {
      const n = literal(v.right) as number;
      if (protectedRank((r) => (op === '>=' ? r >= n : r > n))) found.add('a protected priority_rank');
    }
    if (positive && op === 'like' && v.left && isAttr(v.left, 'action_type')) {
      // The pattern's own text with its wildcards dropped: a value it matches, tested against the marked globs.
      const sample = (v.pattern ?? []).map((p) => (p === 'Wildcard' ? '' : (p as { Literal: string }).Literal)).join('');
      if (markedType(sample)) found.add(`action_type like ${JSON.stringify(sample)}`);
    }
  };
  for (const clause of policy.conditions) walk(clause.body, clause.kind === 'when');
  return [...found];
}

/**
 * Parses and validates a set: Cedar syntax, the schema (strict mode), a unique `@id` on every policy,
 * no permit naming a never-without-a-person class (`saved`: a set read back from the database, checked
 * when it was saved, is parsed only). Throws PolicySourceError with every issue found at
 * the first stage that has any, each at its line and column.
 */
export function compilePolicySet(version: number, source: string, never: NeverWithoutPerson, options: { saved?: boolean } = {}): CompiledPolicySet {
  const marked = never.action_types.map((g) => compileGlob(g));
  const needsPerson = (r: Pick<PolicyRequest, 'priority' | 'action_type'>) =>
    (never.priorities as string[]).includes(r.priority) || (r.action_type !== null && marked.some((m) => m(r.action_type!)));
  const base = { version, source, never, needsPerson };
  // An empty set (most orgs') needs nothing of Cedar: not even its module, nor the schema's parse.
  if (source.trim() === '') return { ...base, policies: [], texts: new Map(), index: new PolicyIndex([]) };
  ensureSchema();

  const parsed = cedar().checkParsePolicySet({ staticPolicies: source });
  if (parsed.type === 'failure') throw new PolicySourceError(issuesOf(source, parsed.errors));
  const parts = cedar().policySetTextToParts(source);
  if (parts.type === 'failure') throw new PolicySourceError(issuesOf(source, parts.errors));
  if (parts.policy_templates.length > 0) throw new PolicySourceError([{ line: 1, column: 1, message: 'templates (policies with ?principal or ?resource) are not supported' }]);
  if (parts.policies.length > POLICY_LIMITS.policiesMax) {
    throw new PolicySourceError([{ line: 1, column: 1, message: `at most ${POLICY_LIMITS.policiesMax} policies in a set (this one has ${parts.policies.length})` }]);
  }

  // Cedar numbers the policies in the order of the text; its parts come sorted by that name as text
  // (policy10 before policy2), so each is placed by where it stands in the source.
  const used = new Set<number>();
  const placed = parts.policies
    .map((text) => {
      let at = source.indexOf(text);
      while (used.has(at)) at = source.indexOf(text, at + 1);
      used.add(at);
      return { text, at };
    })
    .sort((a, b) => a.at - b.at);
  const issues: PolicyIssue[] = [];
  const seen = new Map<string, number>();
  const policies: PolicyInfo[] = [];
  const jsons: PolicyJson[] = [];
  const texts = new Map<string, string>();
  for (const { text, at } of placed) {
    const json = cedar().policyToJson(text);
    if (json.type === 'failure') throw new PolicySourceError(issuesOf(source, json.errors));
    const where = { line: source.slice(0, at).split('\n').length, column: at - source.lastIndexOf('\n', at - 1) };
    const id = json.json.annotations?.id;
    if (id === undefined || id === null) {
      issues.push({ ...where, message: 'every policy needs an @id("…") annotation (letters, digits, -, _ and .)' });
      continue;
    }
    if (!ID_PATTERN.test(id)) issues.push({ ...where, policy_id: id, message: `@id("${id}"): use 1 to 100 letters, digits, -, _ and . (starting with a letter or digit)` });
    if (seen.has(id)) issues.push({ ...where, policy_id: id, message: `@id("${id}") is also the id of the policy on line ${seen.get(id)}` });
    seen.set(id, where.line);
    const reason = json.json.annotations?.reason ?? null;
    const shadow = json.json.annotations !== undefined && 'shadow' in json.json.annotations;
    const answers = json.json.annotations?.answers;
    if (answers !== undefined && answers !== 'defaults') {
      issues.push({ ...where, policy_id: id, message: '@answers takes one value: @answers("defaults") (the approval answers with the request\'s defaults)' });
    } else if (answers !== undefined && json.json.effect !== 'permit') {
      issues.push({ ...where, policy_id: id, message: '@answers applies to a permit: a forbid rejects, and a rejection answers nothing' });
    }
    policies.push({
      id,
      effect: json.json.effect,
      reason: reason === '' ? null : reason,
      line: where.line,
      mode: shadow ? 'shadow' : 'enforce',
      answers: answers === 'defaults' ? 'defaults' : null,
    });
    texts.set(id, text);
    jsons.push(json.json);
  }
  if (issues.length > 0) throw new PolicySourceError(issues);
  const index = new PolicyIndex(jsons.map(boundOf));

  // A saved set passed the schema and the never-without-a-person check when it was saved: loading it
  // again (a cache miss on the create path) skips both, which are most of a large set's compile time.
  if (options.saved) return { ...base, policies, texts, index };
  const idOf = (cedarId: string) => policies[Number(cedarId.replace(/^policy/, ''))]?.id;
  const validated = cedar().validate({ schema: policySchemaText(), policies: { staticPolicies: source }, validationSettings: { mode: 'strict' } });
  if (validated.type === 'failure') throw new PolicySourceError(issuesOf(source, validated.errors));
  if (validated.validationErrors.length > 0) {
    throw new PolicySourceError(
      issuesOf(
        source,
        validated.validationErrors.map((e) => e.error),
        idOf,
        validated.validationErrors.map((e) => e.policyId),
      ),
    );
  }

  jsons.forEach((json, i) => {
    // A shadow permit is refused too: it is the policy about to be enforced.
    if (json.effect !== 'permit') return;
    const named = namedClasses(json, never, marked);
    if (named.length > 0) {
      const p = policies[i]!;
      issues.push({
        line: p.line,
        column: 1,
        policy_id: p.id,
        message: `permit "${p.id}" approves ${named.join(', ')}, which never goes without a person (never_without_person): a policy may only reject such requests`,
      });
    }
  });
  if (issues.length > 0) throw new PolicySourceError(issues);
  return { ...base, policies, texts, index };
}

/** Which policies each Cedar slot holds now (the compiled set and which of its policies). */
const loaded = new Map<string, { set: CompiledPolicySet; ids: string }>();

/** Loads these policies of the set into the slot, unless it holds them already; Cedar then names each by its `@id`. */
function ensureLoaded(slot: string, set: CompiledPolicySet, ids: string[], key = ids.join('\n')): void {
  const now = loaded.get(slot);
  if (now && now.set === set && now.ids === key) return;
  const r = cedar().preparsePolicySet(slot, { staticPolicies: Object.fromEntries(ids.map((id) => [id, set.texts.get(id)!])) });
  if (r.type !== 'success') throw new Error(`a saved policy set no longer parses: ${r.errors.map((e) => e.message).join('; ')}`);
  loaded.set(slot, { set, ids: key });
}

/**
 * The Cedar slots an org's bounded candidates are parsed into, one per subset of its set seen lately
 * (least recently used first). Requests of the same kind share a subset, so a create finds its subset
 * parsed; SUBSET_SLOTS bounds what an org holds in Cedar's memory (Cedar has no way to drop a slot, so
 * an evicted subset's slot is parsed again with the new one).
 */
const subsets = new Map<string, { set: CompiledPolicySet; slots: Map<string, string> }>();
const SUBSET_SLOTS = 32;

function subsetSlot(slot: string, set: CompiledPolicySet, ids: string[]): string {
  const key = ids.join('\n');
  let pool = subsets.get(slot);
  if (!pool || pool.set !== set) subsets.set(slot, (pool = { set, slots: new Map() }));
  let name = pool.slots.get(key);
  if (name !== undefined) pool.slots.delete(key);
  else if (pool.slots.size < SUBSET_SLOTS) name = `${slot}:subset:${pool.slots.size}`;
  else {
    const [oldest, reused] = pool.slots.entries().next().value!;
    pool.slots.delete(oldest);
    name = reused;
  }
  pool.slots.set(key, name);
  ensureLoaded(name, set, ids, key);
  return name;
}

/**
 * The policies of `which` that hold for the request (`reasons`) and those that erred on it (`errors`),
 * by `@id`. Cedar gets only the candidates of the set's index (policy-index.ts: the others are false
 * for this request without error, so the answer is the one the whole set gives): the ones no bound
 * narrows, parsed once per set into the org's slot, and the bounded ones that match, parsed per subset.
 */
function diagnose(slot: string, set: CompiledPolicySet, which: (p: PolicyInfo) => boolean, request: PolicyRequest, now: Date, only: 'candidates' | 'all') {
  const positions = only === 'all' ? set.policies.map((_, i) => i) : set.index.candidates(request);
  const chosen = positions.filter((i) => which(set.policies[i]!));
  const out = { reasons: [] as string[], errors: [] as string[] };
  if (chosen.length === 0) return out;
  ensureSchema();
  const idsOf = (list: number[]) => list.map((i) => set.policies[i]!.id);
  const slots: string[] = [];
  if (only === 'all') {
    ensureLoaded(`${slot}:all`, set, idsOf(chosen));
    slots.push(`${slot}:all`);
  } else {
    const always = idsOf(chosen.filter((i) => set.index.unbounded(i)));
    const bounded = idsOf(chosen.filter((i) => !set.index.unbounded(i)));
    if (always.length > 0) {
      ensureLoaded(slot, set, always);
      slots.push(slot);
    }
    if (bounded.length > 0) slots.push(subsetSlot(slot, set, bounded));
  }
  for (const s of slots) {
    const r = authorize(s, request, now);
    out.reasons.push(...r.diagnostics.reason);
    out.errors.push(...r.diagnostics.errors.map((e) => e.policyId));
  }
  // Cedar names the policies that determine its answer: the forbids that hold when any does, else
  // the permits. Two slots answer apart, so the permits one held go when the other's forbid holds.
  const forbid = (id: string) => byIdOf(set).get(id)?.effect === 'forbid';
  if (slots.length > 1 && out.reasons.some(forbid)) out.reasons = out.reasons.filter(forbid);
  return out;
}

const ENTITY = (type: string, id: string) => ({ type: `${POLICY_NAMESPACE}::${type}`, id });

/** A value as a tag: strings as they are, anything else as its JSON text. */
const asTag = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? 'null');

function changedFields(changes: Approval['changes']): string[] {
  if (!changes) return [];
  const before = changes.before ?? {};
  const after = changes.after ?? {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

function timeOf(now: Date) {
  return {
    unix: Math.floor(now.getTime() / 1000),
    hour: now.getUTCHours(),
    minute: now.getUTCMinutes(),
    weekday: ((now.getUTCDay() + 6) % 7) + 1,
    date: now.toISOString().slice(0, 10),
  };
}

/** The request as Cedar entities: who asks (principal), the request (resource, with its tags), its metadata. */
function entitiesOf(r: PolicyRequest) {
  const principal = ENTITY('Requester', r.requester.id);
  const resource = ENTITY('Request', 'new');
  const metadata = ENTITY('Metadata', 'new');
  const agentSession = [r.metadata.session_id, r.metadata.run_id].find((v) => typeof v === 'string' && v !== '') as string | undefined;
  return {
    principal,
    resource,
    entities: [
      {
        uid: principal,
        attrs: {
          kind: r.requester.kind,
          id: r.requester.id,
          name: r.requester.name ?? '',
          ...(r.requester.auth_type && { auth_type: r.requester.auth_type }),
          ...(r.requester.oauth_client_id && { oauth_client_id: r.requester.oauth_client_id }),
        },
        parents: [],
      },
      {
        uid: resource,
        attrs: {
          title: r.title,
          ...(r.action_type !== null && { action_type: r.action_type }),
          ...(r.source !== null && { source: r.source }),
          priority: r.priority,
          priority_rank: PRIORITY_RANK[r.priority],
          metadata: { __entity: metadata },
          ...(r.resource && { entity: { type: r.resource.type, id: r.resource.id, ...(r.resource.name !== undefined && { name: r.resource.name }) } }),
          changed_fields: changedFields(r.changes),
          has_changes: r.changes !== null,
          has_callback: r.has_callback,
          required_approvals: r.required_approvals,
          ...(agentSession !== undefined && { agent_session: agentSession }),
        },
        parents: [],
        tags: r.tags,
      },
      { uid: metadata, attrs: {}, parents: [], tags: Object.fromEntries(Object.entries(r.metadata).map(([k, v]) => [k, asTag(v)])) },
    ],
  };
}

function authorize(slot: string, request: PolicyRequest, now: Date) {
  const { principal, resource, entities } = entitiesOf(request);
  const answer = cedar().statefulIsAuthorized({
    principal,
    action: ENTITY('Action', POLICY_ACTION),
    resource,
    context: { time: timeOf(now) },
    preparsedPolicySetId: slot,
    preparsedSchemaName: SCHEMA_SLOT,
    validateRequest: false,
    entities,
  });
  if (answer.type !== 'success') throw new Error(`policy evaluation failed: ${answer.errors.map((e) => e.message).join('; ')}`);
  return answer.response;
}

const named = (set: CompiledPolicySet, p: PolicyInfo): DecidedByPolicy => ({ id: p.id, version: set.version, reason: p.reason });

/** Whether the set has enforced policies: without any, a create need not evaluate. */
export const enforces = (set: CompiledPolicySet) => set.policies.some((p) => p.mode === 'enforce');

const enforced = (p: PolicyInfo) => p.mode === 'enforce';

/** Each set's policies by `@id`, made once per set: a create looks up only the few that answered. */
const byIdMemo = new WeakMap<CompiledPolicySet, Map<string, PolicyInfo>>();
function byIdOf(set: CompiledPolicySet): Map<string, PolicyInfo> {
  let m = byIdMemo.get(set);
  if (!m) byIdMemo.set(set, (m = new Map(set.policies.map((p) => [p.id, p]))));
  return m;
}

/**
 * What the set's enforced policies decide about a new request (see the mapping at the top). `slot`
 * names the org's place in Cedar's cache. Throws only on a fault of Cedar itself, which the caller
 * treats as no decision. `only: 'all'` hands Cedar every enforced policy instead of the index's
 * candidates (the same answer, slower: the tests compare the two).
 */
export function evaluate(slot: string, set: CompiledPolicySet, request: PolicyRequest, now = new Date(), only: 'candidates' | 'all' = 'candidates'): Verdict {
  if (!set.policies.some(enforced)) return { kind: 'none' };
  const { reasons: held, errors } = diagnose(slot, set, enforced, request, now, only);
  const byId = byIdOf(set);
  const reasons = held
    .map((id) => byId.get(id))
    .filter((p): p is PolicyInfo => p !== undefined && enforced(p))
    .sort((a, b) => a.line - b.line);
  const forbid = reasons.find((p) => p.effect === 'forbid');
  if (forbid) return { kind: 'reject', policy: named(set, forbid) };
  const permit = reasons.find((p) => p.effect === 'permit');
  if (!permit) return { kind: 'none' };
  if (errors.length > 0) return { kind: 'none', withheld: { policy: named(set, permit), why: 'evaluation_error' } };
  if (set.needsPerson(request)) return { kind: 'none', withheld: { policy: named(set, permit), why: 'needs_person' } };
  if (!answeredBy(permit, request)) return { kind: 'none', withheld: { policy: named(set, permit), why: 'needs_answer' } };
  return { kind: 'approve', policy: named(set, permit) };
}

/**
 * Whether a permit may approve a request as far as its answer goes: a policy never invents input, so a
 * request that asks for an answer is approved only when its defaults answer it and the permit says it
 * accepts them (`@answers("defaults")`); the defaults are then its `response`. Editable fields alone
 * do not stop an approval: what is approved is what was asked.
 */
function answeredBy(permit: PolicyInfo, request: Pick<PolicyRequest, 'response_schema'>): boolean {
  const schema = request.response_schema ?? null;
  return schema === null || (permit.answers === 'defaults' && defaultsAnswer(schema));
}

/** Which enforced policies hold for a request and which err on it, by `@id` (the tests' view of `evaluate`). */
export function explain(slot: string, set: CompiledPolicySet, request: PolicyRequest, now: Date, only: 'candidates' | 'all'): { reasons: string[]; errors: string[] } {
  const d = diagnose(slot, set, enforced, request, now, only);
  return { reasons: [...new Set(d.reasons)].sort(), errors: [...new Set(d.errors)].sort() };
}

/** What one shadow policy would decide: approve (a permit that holds, for a request a policy may approve), reject (a forbid that holds). */
export interface ShadowVerdict {
  policy_id: string;
  would: 'approve' | 'reject';
}

/**
 * Each shadow policy of the set, evaluated alone (so that what it would do is its own answer, not
 * hidden by another policy's), against a new request: the ones that would decide it. Only the index's
 * candidates are evaluated: the others are false for this request, without error.
 */
export function shadowVerdicts(slot: string, set: CompiledPolicySet, request: PolicyRequest, now = new Date(), only: 'candidates' | 'all' = 'candidates'): ShadowVerdict[] {
  if (!set.policies.some((p) => p.mode === 'shadow')) return [];
  const candidates = only === 'all' ? null : new Set(set.index.candidates(request));
  const shadows = set.policies.filter((p, i) => p.mode === 'shadow' && (candidates === null || candidates.has(i)));
  if (shadows.length === 0) return [];
  ensureSchema();
  const out: ShadowVerdict[] = [];
  for (const p of shadows) {
    const own = `${slot}:shadow:${p.id}`;
    ensureLoaded(own, set, [p.id]);
    const response = authorize(own, request, now);
    if (!response.diagnostics.reason.includes(p.id) || response.diagnostics.errors.length > 0) continue;
    if (p.effect === 'forbid') out.push({ policy_id: p.id, would: 'reject' });
    else if (!set.needsPerson(request) && answeredBy(p, request)) out.push({ policy_id: p.id, would: 'approve' });
  }
  return out;
}
