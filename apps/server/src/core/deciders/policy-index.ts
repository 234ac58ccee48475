/**
 * Which policies of a set can have anything to say about a request, worked out once per set so that a
 * create hands Cedar only those (policy.ts) instead of the whole set.
 *
 * A policy is left out for a request only when it is certain to evaluate to false there *without an
 * error*: an error is an answer too (it withholds an approval), so a policy that might error stays in.
 * Cedar evaluates a policy as one conjunction, left to right, stopping at the first false: the scope,
 * then each `when` body and each `unless` body negated, in the order of the text. A conjunct C gives a
 * bound when C cannot error and C being true requires a value of the request to be present and to
 * equal a literal or begin with one (`resource.action_type like "read.*"`, `resource.getTag("team") ==
 * "t-1"`, `["a", "b"].contains(resource.source)`, `resource has action_type`). If every conjunct before C
 * cannot error either, a request whose value falls outside the bound makes the policy false before any
 * error could happen: it is left out. Anything the analysis does not know (an operator, an attribute,
 * arithmetic, an extension function) may error and ends the search; a policy with no bound found is a
 * candidate for every request. The scope is never an error and is not used for bounds.
 *
 * The analysis does not rely on the set having passed the schema's validation: a type it cannot
 * vouch for counts as a possible error.
 */
import type { Expr, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';

/** What of a request the bounds name (policy.ts's PolicyRequest has these). */
export interface BoundedRequest {
  action_type: string | null;
  source: string | null;
  priority: string;
  tags: Record<string, string>;
}

/** A value a request carries that bounds can name: `action_type`, `source`, `priority`, `tag:<key>` (the request's tags). */
export type Dimension = string;

/** The request's value for a dimension; undefined when it has none. */
export function valueOf(r: BoundedRequest, dim: Dimension): string | undefined {
  if (dim === 'action_type') return r.action_type ?? undefined;
  if (dim === 'source') return r.source ?? undefined;
  if (dim === 'priority') return r.priority;
  if (dim.startsWith('tag:')) {
    const key = dim.slice(4);
    return Object.hasOwn(r.tags, key) ? r.tags[key] : undefined;
  }
  return undefined;
}

/** A necessary condition: the dimension's value is present and equals one of `exact` or begins with one of `prefixes` ('' = present). */
export interface Bound {
  dim: Dimension;
  exact: string[];
  prefixes: string[];
}

type CedarType = 'String' | 'Long' | 'Bool' | 'Set' | 'Entity' | 'Record';

/** The attributes whose paths always exist, with their types (the policy schema, POLICY_SCHEMA in the contract). */
const REQUIRED: Record<string, CedarType> = {
  resource: 'Entity',
  principal: 'Entity',
  action: 'Entity',
  context: 'Record',
  'resource.title': 'String',
  'resource.priority': 'String',
  'resource.priority_rank': 'Long',
  'resource.metadata': 'Entity',
  'resource.changed_fields': 'Set',
  'resource.has_changes': 'Bool',
  'resource.has_callback': 'Bool',
  'resource.required_approvals': 'Long',
  'resource.entity.type': 'String',
  'resource.entity.id': 'String',
  'principal.kind': 'String',
  'principal.id': 'String',
  'principal.name': 'String',
  'context.time': 'Record',
  'context.time.unix': 'Long',
  'context.time.hour': 'Long',
  'context.time.minute': 'Long',
  'context.time.weekday': 'Long',
  'context.time.date': 'String',
};
/** The attributes that may be absent: present only after a `has` test. */
const OPTIONAL: Record<string, CedarType> = {
  'resource.action_type': 'String',
  'resource.source': 'String',
  'resource.entity': 'Record',
  'resource.agent_session': 'String',
  'resource.entity.name': 'String',
  'principal.auth_type': 'String',
  'principal.oauth_client_id': 'String',
};
/** The entities that carry tags (all String). */
const TAGGED = new Set(['resource', 'resource.metadata']);
/** The paths a bound can name. */
const DIMENSION_OF: Record<string, Dimension> = {
  'resource.action_type': 'action_type',
  'resource.source': 'source',
  'resource.priority': 'priority',
};

type Node = Record<string, Record<string, unknown>>;
const opOf = (e: Expr): [string, Record<string, unknown>] | null => {
  const keys = Object.keys(e as object);
  if (keys.length !== 1) return null;
  const op = keys[0]!;
  return [op, (e as Node)[op]!];
};

/** The path an expression reads (`resource.entity.type`), or null when it is not a plain attribute path. */
function pathOf(e: Expr): string | null {
  const n = opOf(e);
  if (!n) return null;
  const [op, v] = n;
  if (op === 'Var') return typeof v === 'string' ? v : null;
  if (op === '.') {
    const left = pathOf(v.left as Expr);
    return left === null ? null : `${left}.${v.attr as string}`;
  }
  return null;
}

/** A string literal's value, else undefined. */
function stringLiteral(e: Expr): string | undefined {
  const n = opOf(e);
  if (!n || n[0] !== 'Value') return undefined;
  const v = (e as { Value: unknown }).Value;
  return typeof v === 'string' ? v : undefined;
}

/** The dimension an expression reads (`resource.action_type`, `resource.getTag("k")`), or null. */
function dimensionOf(e: Expr): Dimension | null {
  const path = pathOf(e);
  if (path !== null) return DIMENSION_OF[path] ?? null;
  const n = opOf(e);
  if (n && n[0] === 'getTag' && pathOf(n[1].left as Expr) === 'resource') {
    const key = stringLiteral(n[1].right as Expr);
    return key === undefined ? null : `tag:${key}`;
  }
  return null;
}

/**
 * The type an expression evaluates to without an error, given what is known to be present
 * (`facts`: attribute paths, and `<entity path>#<tag>` for tags); null when it might error.
 */
function safeType(e: Expr, facts: ReadonlySet<string>): CedarType | null {
  const n = opOf(e);
  if (!n) return null;
  const [op, v] = n;
  switch (op) {
    case 'Value': {
      const x = (e as { Value: unknown }).Value;
      if (typeof x === 'string') return 'String';
      if (typeof x === 'boolean') return 'Bool';
      if (typeof x === 'number' && Number.isInteger(x)) return 'Long';
      return null;
    }
    case 'Var':
      return REQUIRED[v as unknown as string] ?? null;
    case '.': {
      // An attribute of a value that is there: one the schema requires, or an optional one a `has` vouched for.
      const path = pathOf(e);
      if (path === null || safeType(v.left as Expr, facts) === null) return null;
      if (REQUIRED[path]) return REQUIRED[path];
      if (OPTIONAL[path] && facts.has(path)) return OPTIONAL[path];
      return null;
    }
    case 'has':
      return safeType(v.left as Expr, facts) === 'Entity' || safeType(v.left as Expr, facts) === 'Record' ? 'Bool' : null;
    case 'hasTag': {
      const left = pathOf(v.left as Expr);
      return left !== null && TAGGED.has(left) && safeType(v.left as Expr, facts) === 'Entity' && safeType(v.right as Expr, facts) === 'String' ? 'Bool' : null;
    }
    case 'getTag': {
      const left = pathOf(v.left as Expr);
      const key = stringLiteral(v.right as Expr);
      return left !== null && key !== undefined && TAGGED.has(left) && safeType(v.left as Expr, facts) === 'Entity' && facts.has(`${left}#${key}`) ? 'String' : null;
    }
    case '==':
    case '!=':
      // Equality never errors, whatever the operands' types.
      return safeType(v.left as Expr, facts) !== null && safeType(v.right as Expr, facts) !== null ? 'Bool' : null;
    case '<':
    case '<=':
    case '>':
    case '>=':
      return safeType(v.left as Expr, facts) === 'Long' && safeType(v.right as Expr, facts) === 'Long' ? 'Bool' : null;
    case 'like':
      return safeType(v.left as Expr, facts) === 'String' ? 'Bool' : null;
    case '!':
      return safeType(v.arg as Expr, facts) === 'Bool' ? 'Bool' : null;
    case '&&':
      return safeType(v.left as Expr, facts) === 'Bool' && safeType(v.right as Expr, establishes(v.left as Expr, facts)) === 'Bool' ? 'Bool' : null;
    case '||':
      return safeType(v.left as Expr, facts) === 'Bool' && safeType(v.right as Expr, facts) === 'Bool' ? 'Bool' : null;
    case 'contains':
      return safeType(v.left as Expr, facts) === 'Set' && safeType(v.right as Expr, facts) !== null ? 'Bool' : null;
    case 'Set':
      return (v as unknown as Expr[]).every((x) => safeType(x, facts) !== null) ? 'Set' : null;
    default:
      return null;
  }
}

/** What is known to be present once `e` evaluated to true. */
function establishes(e: Expr, facts: ReadonlySet<string>): ReadonlySet<string> {
  const n = opOf(e);
  if (!n) return facts;
  const [op, v] = n;
  if (op === 'has') {
    const left = pathOf(v.left as Expr);
    return left === null ? facts : new Set([...facts, `${left}.${v.attr as string}`]);
  }
  if (op === 'hasTag') {
    const left = pathOf(v.left as Expr);
    const key = stringLiteral(v.right as Expr);
    return left === null || key === undefined ? facts : new Set([...facts, `${left}#${key}`]);
  }
  if (op === '&&') return establishes(v.right as Expr, establishes(v.left as Expr, facts));
  return facts;
}

/** The literal prefix of a `like` pattern and whether it is the whole pattern (no wildcard). */
function likePrefix(pattern: unknown[]): { prefix: string; exact: boolean } {
  let prefix = '';
  for (const p of pattern) {
    if (p === 'Wildcard') return { prefix, exact: false };
    prefix += (p as { Literal: string }).Literal;
  }
  return { prefix, exact: true };
}

const bound = (dim: Dimension, exact: string[], prefixes: string[]): Bound => ({ dim, exact, prefixes });

/** Necessary conditions for `e` to be true (each one alone is necessary); empty when none is known. */
function boundsOf(e: Expr): Bound[] {
  const n = opOf(e);
  if (!n) return [];
  const [op, v] = n;
  if (op === 'has' && pathOf(v.left as Expr) === 'resource') {
    const dim = DIMENSION_OF[`resource.${v.attr as string}`];
    return dim ? [bound(dim, [], [''])] : [];
  }
  if (op === 'hasTag' && pathOf(v.left as Expr) === 'resource') {
    const key = stringLiteral(v.right as Expr);
    return key === undefined ? [] : [bound(`tag:${key}`, [], [''])];
  }
  if (op === '==') {
    for (const [a, b] of [[v.left, v.right], [v.right, v.left]] as [Expr, Expr][]) {
      const dim = dimensionOf(a);
      const lit = stringLiteral(b);
      if (dim !== null && lit !== undefined) return [bound(dim, [lit], [])];
    }
    return [];
  }
  if (op === 'like') {
    const dim = dimensionOf(v.left as Expr);
    if (dim === null) return [];
    const { prefix, exact } = likePrefix((v.pattern as unknown[]) ?? []);
    return [exact ? bound(dim, [prefix], []) : bound(dim, [], [prefix])];
  }
  if (op === 'contains') {
    const dim = dimensionOf(v.right as Expr);
    const set = (v.left as { Set?: Expr[] }).Set;
    if (dim === null || !set) return [];
    const lits = set.map(stringLiteral);
    // A set holding anything but string literals could hold the value some other way.
    return lits.every((l) => l !== undefined) ? [bound(dim, lits as string[], [])] : [];
  }
  if (op === '&&') return [...boundsOf(v.left as Expr), ...boundsOf(v.right as Expr)];
  if (op === '||') {
    // True when either side is: a bound on a dimension both sides bound is the union of the two.
    const left = boundsOf(v.left as Expr);
    const right = boundsOf(v.right as Expr);
    const out: Bound[] = [];
    for (const l of left) {
      for (const r of right) if (l.dim === r.dim) out.push(bound(l.dim, [...l.exact, ...r.exact], [...l.prefixes, ...r.prefixes]));
    }
    return out;
  }
  return [];
}

/** How much a bound narrows: a literal beats mere presence, and priority (four values) is the weakest of the literals. */
function strength(b: Bound): number {
  const presenceOnly = b.exact.length === 0 && b.prefixes.every((p) => p === '');
  if (presenceOnly) return 1;
  if (b.dim === 'priority') return 2;
  if (b.prefixes.includes('')) return 1;
  return 3;
}

/** The strongest bound that makes a policy certainly false and error-free for requests outside it, or null (see the top). */
export function boundOf(policy: PolicyJson): Bound | null {
  const conjuncts: Expr[] = [];
  const flatten = (e: Expr) => {
    const n = opOf(e);
    if (n && n[0] === '&&') {
      flatten(n[1].left as Expr);
      flatten(n[1].right as Expr);
    } else conjuncts.push(e);
  };
  for (const c of policy.conditions) {
    if (c.kind === 'when') flatten(c.body);
    else conjuncts.push({ '!': { arg: c.body } } as Expr);
  }
  let facts: ReadonlySet<string> = new Set();
  let best: Bound | null = null;
  for (const c of conjuncts) {
    if (safeType(c, facts) !== 'Bool') break;
    for (const b of boundsOf(c)) if (best === null || strength(b) > strength(best)) best = b;
    facts = establishes(c, facts);
  }
  return best;
}

/** Policies (by their position in the set) by the bound each has; the ones with none are always candidates. */
export class PolicyIndex {
  private readonly always: number[] = [];
  private readonly free: boolean[];
  private readonly byDim = new Map<Dimension, { exact: Map<string, number[]>; prefixes: Map<string, number[]> }>();
  /** The longest prefix any bound names: a value's longer prefixes need no lookup. */
  private longestPrefix = 0;

  constructor(bounds: (Bound | null)[]) {
    this.free = bounds.map((b) => b === null);
    bounds.forEach((b, i) => {
      if (b === null) {
        this.always.push(i);
        return;
      }
      let d = this.byDim.get(b.dim);
      if (!d) this.byDim.set(b.dim, (d = { exact: new Map(), prefixes: new Map() }));
      for (const v of new Set(b.exact)) push(d.exact, v, i);
      for (const p of new Set(b.prefixes)) {
        push(d.prefixes, p, i);
        this.longestPrefix = Math.max(this.longestPrefix, p.length);
      }
    });
  }

  /** Whether the policy at this position has no bound: a candidate for every request. */
  unbounded(i: number): boolean {
    return this.free[i] ?? true;
  }

  /** The positions of the policies that may apply to the request, ascending. */
  candidates(r: BoundedRequest): number[] {
    const out = new Set(this.always);
    for (const [dim, d] of this.byDim) {
      const value = valueOf(r, dim);
      if (value === undefined) continue;
      for (const i of d.exact.get(value) ?? []) out.add(i);
      if (d.prefixes.size === 0) continue;
      const upTo = Math.min(value.length, this.longestPrefix);
      for (let n = 0; n <= upTo; n++) for (const i of d.prefixes.get(value.slice(0, n)) ?? []) out.add(i);
    }
    return [...out].sort((a, b) => a - b);
  }
}

function push(m: Map<string, number[]>, k: string, i: number): void {
  const list = m.get(k);
  if (list) list.push(i);
  else m.set(k, [i]);
}
