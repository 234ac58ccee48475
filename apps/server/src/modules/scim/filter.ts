import { parse, type Filter } from 'scim2-parse-filter';
import { scimError } from './errors.ts';

/**
 * SCIM filters (RFC 7644 §3.4.2.2) as Okta and Entra send them, parsed by scim2-parse-filter and
 * evaluated here on the resources' JSON. The attributes RFC 7643 declares `caseExact: false`
 * (userName, an email's value, displayName, names, a member's display) compare ignoring case.
 */
const CASE_INSENSITIVE = new Set(['username', 'emails.value', 'displayname', 'members.display', 'name.formatted', 'name.givenname', 'name.familyname']);

/** The longest filter taken: Okta's and Entra's are one or two comparisons. */
export const FILTER_MAX_LENGTH = 1000;

const CORE_URN = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i;

/**
 * `emails[type eq "work"].value eq "x"` (RFC 7644 §3.5.2's sub-attribute of a value path, which Entra
 * sends in filters too) means one email that is of type work with that value; the parser reads it as
 * two independent conditions. Rewritten, outside string literals, to the equivalent
 * `emails[type eq "work" and value eq "x"]` before parsing.
 */
export function foldValuePathSubAttribute(text: string): string {
  let out = '';
  let i = 0;
  const stringEnd = (from: number) => {
    let j = from + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    return Math.min(j + 1, text.length);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (c !== '[') {
      out += c;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && text[j] !== ']') j = text[j] === '"' ? stringEnd(j) : j + 1;
    const inner = text.slice(i + 1, j);
    const rest = text.slice(j + 1);
    const sub = /^\.([A-Za-z][\w$-]*)\s+(?:(pr)\b|(eq|ne|co|sw|ew|gt|lt|ge|le)\s+("(?:[^"\\]|\\.)*"|true\b|false\b|null\b|-?[\d.]+(?:[eE][-+]?\d+)?))/i.exec(rest);
    if (j >= text.length || !sub) {
      out += text.slice(i, Math.min(j + 1, text.length));
      i = j + 1;
      continue;
    }
    const condition = sub[2] ? `${sub[1]} pr` : `${sub[1]} ${sub[3]} ${sub[4]}`;
    out += `[(${inner}) and ${condition}]`;
    i = j + 1 + sub[0].length;
  }
  return out;
}

/** The values at an attribute path, multi-valued attributes flattened; a complex value compares by its `value` (RFC 7644 §3.4.2.2). */
function valuesAt(resource: unknown, path: string): unknown[] {
  return elementsAt(resource, path).map((v) => (v !== null && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v));
}

/** The values at an attribute path as they are, multi-valued attributes flattened (a value path filters on their sub-attributes). */
function elementsAt(resource: unknown, path: string): unknown[] {
  let current: unknown[] = [resource];
  for (const part of path.replace(CORE_URN, '').split('.')) {
    const key = part.toLowerCase();
    current = current.flatMap((v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
      const found = Object.keys(v).find((k) => k.toLowerCase() === key);
      const next = found === undefined ? undefined : (v as Record<string, unknown>)[found];
      return next === undefined || next === null ? [] : Array.isArray(next) ? next : [next];
    });
  }
  return current;
}

type Compare = Extract<Filter, { compValue: unknown }>;

function compareOne(op: Compare['op'], actual: unknown, expected: unknown, caseInsensitive: boolean): boolean {
  const norm = (v: unknown) => (caseInsensitive && typeof v === 'string' ? v.toLowerCase() : v);
  const a = norm(actual);
  const e = norm(expected);
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'co':
      return typeof a === 'string' && typeof e === 'string' && a.includes(e);
    case 'sw':
      return typeof a === 'string' && typeof e === 'string' && a.startsWith(e);
    case 'ew':
      return typeof a === 'string' && typeof e === 'string' && a.endsWith(e);
    default: {
      // gt, ge, lt, le: strings (timestamps are ISO 8601, so they order as text) and numbers; booleans never.
      if (!((typeof a === 'string' && typeof e === 'string') || (typeof a === 'number' && typeof e === 'number'))) return false;
      return op === 'gt' ? a > e : op === 'ge' ? a >= e : op === 'lt' ? a < e : a <= e;
    }
  }
}

/**
 * Evaluates a parsed filter on a resource. scim2-parse-filter's own tester reads a value path's
 * conditions against different elements of the array (`emails[type eq "home" and value eq "x"]`
 * matches a work email "x" beside any home email), so only its parser is used.
 */
function test(f: Filter, resource: unknown, prefix: string): boolean {
  switch (f.op) {
    case 'and':
      return f.filters.every((g) => test(g, resource, prefix));
    case 'or':
      return f.filters.some((g) => test(g, resource, prefix));
    case 'not':
      return !test(f.filter, resource, prefix);
    case '[]': {
      const attr = f.attrPath.replace(CORE_URN, '');
      return elementsAt(resource, attr).some((e) => test(f.valFilter, e, `${prefix}${attr}.`));
    }
    case 'pr':
      return valuesAt(resource, f.attrPath).some((v) => v !== '');
    default: {
      const caseInsensitive = CASE_INSENSITIVE.has(`${prefix}${f.attrPath.replace(CORE_URN, '')}`.toLowerCase());
      const values = valuesAt(resource, f.attrPath);
      // RFC 7644: `ne` of a multi-valued attribute holds when no value is equal.
      if (f.op === 'ne') return !values.some((v) => compareOne('eq', v, f.compValue, caseInsensitive));
      return values.some((v) => compareOne(f.op, v, f.compValue, caseInsensitive));
    }
  }
}

/** A filter as a test of a resource; 400 invalidFilter when it cannot be parsed. */
export function parseScimFilter(text: string): (resource: Record<string, unknown>) => boolean {
  if (text.length > FILTER_MAX_LENGTH) throw scimError(400, 'invalidFilter', `the filter is longer than ${FILTER_MAX_LENGTH} characters`);
  let parsed: Filter;
  try {
    parsed = parse(foldValuePathSubAttribute(text));
  } catch (err) {
    throw scimError(400, 'invalidFilter', `the filter cannot be parsed: ${err instanceof Error ? err.message : 'invalid syntax'}`);
  }
  return (resource) => test(parsed, resource, '');
}
