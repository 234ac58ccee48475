/**
 * Which routing rule a request falls under: the one matching function that create and the dry run
 * both use (modules/routing states the API). A rule set is compiled once (its globs made into
 * regular expressions) and then matched in memory, so routing a create costs no database round trip.
 */
import picomatch from 'picomatch';
import type { Priority, RoutingAction, RoutingMatch } from '@greenlight/contract';

/** What a rule looks at: the fields of a request as it is created (or as it was, for the dry run). */
export interface RoutableRequest {
  action_type: string | null;
  priority: Priority;
  source: string | null;
  tags: Record<string, string>;
  connection_id: string | null;
}

/** A rule as stored (match and action normalized by modules/routing), with its place in the set. */
export interface StoredRule {
  /** Null for a new rule of a candidate set (dry run). */
  id: string | null;
  position: number;
  name: string;
  enabled: boolean;
  match: RoutingMatch;
  action: RoutingAction;
}

export interface CompiledRule extends StoredRule {
  test(r: RoutableRequest): boolean;
}

export interface CompiledRuleSet {
  /** 0: the org never had rules. */
  version: number;
  rules: CompiledRule[];
}

export const EMPTY_RULE_SET: CompiledRuleSet = { version: 0, rules: [] };

/**
 * picomatch, with `*` stopping at `/` and `**` crossing it; dots are ordinary characters (action types
 * are dotted). Negation (`!x`) is refused rather than read as a literal, and unbalanced brackets or
 * braces are errors instead of literals, so a typo is a 400 and not a rule that silently never matches.
 */
const GLOB_OPTIONS = { dot: true, strictBrackets: true, nonegate: true } as const;

export class GlobError extends Error {}

/** A glob as a predicate over a whole value; throws GlobError naming what is wrong. */
export function compileGlob(glob: string): (value: string) => boolean {
  if (glob.startsWith('!')) throw new GlobError('a leading ! (negation) is not supported: write the rule for what it should match');
  let re: RegExp;
  try {
    re = picomatch.makeRe(glob, GLOB_OPTIONS);
  } catch (err) {
    throw new GlobError((err as Error).message);
  }
  // picomatch answers an impossible pattern (a reversed range such as [z-a]) with a regex matching nothing.
  if (re.source === '$^') throw new GlobError('the pattern can match nothing');
  return (value) => re.test(value);
}

/** A rule's conditions as one predicate; every condition given must hold. Throws GlobError for a malformed glob. */
export function compileRule(rule: StoredRule): CompiledRule {
  const m = rule.match;
  const checks: ((r: RoutableRequest) => boolean)[] = [];
  if (m.action_type !== undefined) {
    const glob = compileGlob(m.action_type);
    checks.push((r) => r.action_type !== null && glob(r.action_type));
  }
  if (m.priority !== undefined) {
    const priorities = new Set<string>(Array.isArray(m.priority) ? m.priority : [m.priority]);
    checks.push((r) => priorities.has(r.priority));
  }
  if (m.source !== undefined) {
    const glob = compileGlob(m.source);
    checks.push((r) => r.source !== null && glob(r.source));
  }
  const all = Object.entries(m.tags?.all ?? {});
  if (all.length > 0) checks.push((r) => all.every(([k, v]) => r.tags[k] === v));
  const any = Object.entries(m.tags?.any ?? {});
  if (any.length > 0) checks.push((r) => any.some(([k, v]) => r.tags[k] === v));
  if (m.connection_ids !== undefined) {
    const connections = new Set(m.connection_ids);
    checks.push((r) => r.connection_id !== null && connections.has(r.connection_id));
  }
  return { ...rule, test: (r) => rule.enabled && checks.every((c) => c(r)) };
}

export function compileRuleSet(version: number, rules: StoredRule[]): CompiledRuleSet {
  return { version, rules: rules.map(compileRule) };
}

/** The first enabled rule of the set that matches the request, in order; null when none does. */
export function firstMatch(set: CompiledRuleSet, request: RoutableRequest): CompiledRule | null {
  for (const rule of set.rules) if (rule.test(request)) return rule;
  return null;
}
