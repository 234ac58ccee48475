import { filter as compile, parse, type Filter } from 'scim2-parse-filter';
import { scimError } from './errors.ts';

/**
 * SCIM filters (RFC 7644 §3.4.2.2) as Okta and Entra send them, parsed by scim2-parse-filter and
 * tested on the resources' JSON by the same library. Its comparisons are case-exact; the attributes
 * RFC 7643 declares `caseExact: false` (userName, an email's value, displayName, a member's display)
 * are compared here in lower case on both sides.
 */
const CASE_INSENSITIVE = new Set(['username', 'emails.value', 'displayname', 'members.display', 'name.formatted', 'name.givenname', 'name.familyname']);

/** The longest filter taken: Okta's and Entra's are one or two comparisons. */
export const FILTER_MAX_LENGTH = 1000;

function lowerCaseInsensitive(f: Filter, prefix: string): Filter {
  switch (f.op) {
    case 'and':
    case 'or':
      return { ...f, filters: f.filters.map((g) => lowerCaseInsensitive(g, prefix)) };
    case 'not':
      return { ...f, filter: lowerCaseInsensitive(f.filter, prefix) };
    case '[]':
      return { ...f, valFilter: lowerCaseInsensitive(f.valFilter, `${prefix}${f.attrPath}.`) };
    case 'pr':
      return f;
    default: {
      const path = `${prefix}${f.attrPath}`.toLowerCase().replace(/^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/, '');
      return CASE_INSENSITIVE.has(path) && typeof f.compValue === 'string' ? { ...f, compValue: f.compValue.toLowerCase() } : f;
    }
  }
}

/** A resource with the case-insensitive attributes lowered, for the tester only (never answered). */
function comparable(r: Record<string, unknown>): Record<string, unknown> {
  const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
  const out: Record<string, unknown> = { ...r };
  for (const key of ['userName', 'displayName']) if (key in out) out[key] = lower(out[key]);
  if (r.name && typeof r.name === 'object') {
    const n = r.name as Record<string, unknown>;
    out.name = { ...n, formatted: lower(n.formatted), givenName: lower(n.givenName), familyName: lower(n.familyName) };
  }
  if (Array.isArray(r.emails)) out.emails = r.emails.map((e: Record<string, unknown>) => ({ ...e, value: lower(e.value) }));
  if (Array.isArray(r.members)) out.members = r.members.map((m: Record<string, unknown>) => ({ ...m, display: lower(m.display) }));
  return out;
}

/** A filter as a test of a resource; 400 invalidFilter when it cannot be parsed. */
export function parseScimFilter(text: string): (resource: Record<string, unknown>) => boolean {
  if (text.length > FILTER_MAX_LENGTH) throw scimError(400, 'invalidFilter', `the filter is longer than ${FILTER_MAX_LENGTH} characters`);
  let parsed: Filter;
  try {
    parsed = parse(text);
  } catch (err) {
    throw scimError(400, 'invalidFilter', `the filter cannot be parsed: ${err instanceof Error ? err.message : 'invalid syntax'}`);
  }
  const test = compile(lowerCaseInsensitive(parsed, ''));
  return (resource) => {
    try {
      return test(comparable(resource));
    } catch {
      return false;
    }
  };
}
