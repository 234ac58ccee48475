/**
 * The IML functions the app calls, with Make's documented behaviour. Only what the app uses is
 * here: an unknown function is an evaluation error, so a typo in the app fails its tests.
 */
import { createHash, randomUUID } from 'node:crypto';

export interface ImlFunction {
  /** Number of arguments when it reads like a variable (`uuid`); otherwise unset. */
  arity?: 0;
  call(args: unknown[], scope: Record<string, unknown>): unknown;
  /** Short-circuiting functions get thunks instead of values. */
  lazy?(args: (() => unknown)[]): unknown;
}

/** Make's "empty": undefined, null, '', an empty array or an empty collection. */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Date) return false;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v);
  const d = new Date(String(v));
  if (Number.isNaN(d.getTime())) throw new Error(`not a date: ${String(v)}`);
  return d;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The moment.js tokens Make's formatDate understands that this app uses, in UTC. */
function formatDate(d: Date, format: string): string {
  const tokens: Record<string, () => string> = {
    YYYY: () => String(d.getUTCFullYear()),
    MM: () => pad(d.getUTCMonth() + 1),
    DD: () => pad(d.getUTCDate()),
    HH: () => pad(d.getUTCHours()),
    mm: () => pad(d.getUTCMinutes()),
    ss: () => pad(d.getUTCSeconds()),
    SSS: () => pad(d.getUTCMilliseconds(), 3),
    X: () => String(Math.floor(d.getTime() / 1000)),
    x: () => String(d.getTime()),
    Z: () => '+00:00',
  };
  return format.replace(/\[([^\]]*)\]|YYYY|SSS|MM|DD|HH|mm|ss|X|x|Z/g, (m, literal?: string) => (literal !== undefined ? literal : tokens[m]!()));
}

/** `/pattern/flags` is a regular expression in Make's replace(); anything else is literal text. */
function searchOf(s: string): RegExp | string {
  const m = /^\/(.*)\/([gimsuy]*)$/s.exec(s);
  return m ? new RegExp(m[1]!, m[2]) : s;
}

const f = (call: ImlFunction['call']): ImlFunction => ({ call });

export const IML_FUNCTIONS: Record<string, ImlFunction> = {
  ifempty: { call: () => undefined, lazy: ([a, b]) => (isEmpty(a!()) ? b?.() : a!()) },
  if: { call: () => undefined, lazy: ([c, a, b]) => (truthyValue(c!()) ? a?.() : b?.()) },
  uuid: { arity: 0, call: () => randomUUID() },
  sha256: f(([text, encoding]) => {
    const enc = encoding === undefined ? 'hex' : String(encoding);
    if (enc !== 'hex' && enc !== 'base64') throw new Error(`sha256: unsupported encoding ${enc}`);
    return createHash('sha256').update(String(text ?? ''), 'utf8').digest(enc);
  }),
  replace: f(([text, search, replacement]) => {
    const s = searchOf(String(search));
    const t = String(text ?? '');
    const r = String(replacement ?? '');
    return typeof s === 'string' ? t.split(s).join(r) : t.replace(s, r);
  }),
  join: f(([arr, sep]) => (Array.isArray(arr) ? arr.map((x) => String(x)).join(sep === undefined ? ', ' : String(sep)) : arr)),
  length: f(([v]) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0)),
  lower: f(([v]) => String(v ?? '').toLowerCase()),
  upper: f(([v]) => String(v ?? '').toUpperCase()),
  toString: f(([v]) => (v instanceof Date ? v.toISOString() : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? ''))),
  encodeURL: f(([v]) => encodeURIComponent(String(v ?? ''))),
  contains: f(([hay, needle]) => (Array.isArray(hay) ? hay.some((x) => x == needle) : String(hay ?? '').includes(String(needle)))),
  addSeconds: f(([d, n]) => new Date(toDate(d).getTime() + Number(n) * 1000)),
  addDays: f(([d, n]) => new Date(toDate(d).getTime() + Number(n) * 86_400_000)),
  formatDate: f(([d, format]) => (isEmpty(d) ? d : formatDate(toDate(d), String(format)))),
  parseDate: f(([s]) => toDate(s)),
  /** Make's toCollection(array; key; value): [{key, value}] → {key: value}. */
  toCollection: f(([arr, k, v]) => {
    if (!Array.isArray(arr)) return arr;
    const out: Record<string, unknown> = {};
    for (const item of arr as Record<string, unknown>[]) if (item && item[String(k)] !== undefined) out[String(item[String(k)])] = item[String(v)];
    return out;
  }),
  omit: f(([obj, ...keys]) => {
    if (!obj || typeof obj !== 'object') return obj;
    const out = { ...(obj as Record<string, unknown>) };
    for (const k of keys) delete out[String(k)];
    return out;
  }),
  get: f(([obj, path]) => String(path).split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj)),
  parseNumber: f(([v]) => Number(v)),
  /** Make's substring(text; start; end). */
  substring: f(([text, start, end]) => String(text ?? '').substring(Number(start), end === undefined ? undefined : Number(end))),
  max: f((args) => Math.max(...args.flat().map(Number))),
};

function truthyValue(v: unknown): boolean {
  return !(v === false || v === 'false' || v === 0 || isEmpty(v));
}
