/**
 * The API's failures as Make's error types and messages, generated from the shared table of
 * @greenlight/triggers (`ERROR_KIND`, `STATUS_KIND`, `ERROR_MESSAGES`) so a failure reads the same in
 * Make as in n8n and Zapier: the kind of a code, or of a status without a known code, decides the
 * Make type (below) and the message template; the templates' slots become IML.
 */
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  ERROR_KIND,
  ERROR_KINDS,
  ERROR_MESSAGES,
  ERROR_STATUS,
  MAX_MESSAGE_LENGTH,
  STATUS_KIND,
  messageParts,
  type ErrorCode,
  type ErrorKind,
  type MessageSlot,
} from '@greenlight/triggers';

/** Make's error type for each kind: what a scenario's error handler can tell apart, and Make retries. */
export const MAKE_ERROR: Record<ErrorKind, string> = {
  reauthorize: 'InvalidAccessTokenError',
  forbidden: 'InvalidConfigurationError',
  throttle: 'RateLimitError',
  bad_input: 'DataError',
  duplicate: 'DuplicateDataError',
  not_found: 'DataError',
  conflict: 'DataError',
  // Make retries a ConnectionError later, which is what both want.
  stopped: 'ConnectionError',
  unavailable: 'ConnectionError',
};

const RETRY_AFTER = "get(headers, 'retry-after')";
/** The trigger layer's `parseRetryAfter` in IML, as far as Make's date parser goes: delay-seconds, or an IMF-fixdate (past: 0), else the default. */
const RETRY_AFTER_IML =
  `if(replace(ifempty(${RETRY_AFTER}, 'none'), '/^ *[0-9]+ *$/', '') = '', parseNumber(${RETRY_AFTER}), ` +
  `if(replace(ifempty(${RETRY_AFTER}, 'none'), '/^[A-Za-z]{3,9},? .*$/', '') = '', ` +
  `max(0, parseNumber(formatDate(parseDate(${RETRY_AFTER}, 'ddd, DD MMM YYYY HH:mm:ss [GMT]'), 'X')) - parseNumber(formatDate(now, 'X'))), ` +
  `${DEFAULT_RETRY_AFTER_SECONDS}))`;

const SLOT_IML: Record<MessageSlot, string> = {
  message: `substring(ifempty(body.error.message, ifempty(toString(body), 'no details')), 0, ${MAX_MESSAGE_LENGTH})`,
  status: 'statusCode',
  retry_after: RETRY_AFTER_IML,
};

const quote = (text: string) => {
  if (text.includes("'") && text.includes('"')) throw new Error(`an IML string cannot hold both quotes: ${text}`);
  return text.includes("'") ? `"${text}"` : `'${text}'`;
};
const codeIs = (codes: readonly string[]) => codes.map((c) => `body.error.code = '${c}'`).join(' or ');

/** A template as Make message text: literal text, `{{slot}}` where the template has a slot. */
function templateText(kind: ErrorKind): string {
  return messageParts(kind)
    .map((p) => (typeof p === 'string' ? p : `{{${SLOT_IML[p.slot]}}}`))
    .join('');
}

/** Several templates in one message: each part only when its condition holds (exactly one does). */
function conditionalText(branches: { when: string; kind: ErrorKind }[]): string {
  return branches
    .flatMap(({ when, kind }) => messageParts(kind).map((p) => `{{if(${when}, ${typeof p === 'string' ? quote(p) : SLOT_IML[p.slot]}, '')}}`))
    .join('');
}

/** Nested `if` over (condition, value) pairs, the last value being the fallback. */
function choose(branches: { when: string; value: string }[], fallback: string): string {
  return branches.reduceRight((rest, b) => `if(${b.when}, ${b.value}, ${rest})`, fallback);
}

/** The kinds a status can mean: those of the codes that carry it, then (for any other code) the status's own. */
function entryFor(status: number): { message: string; type: string } {
  const codes = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((c) => ERROR_STATUS[c] === status);
  const fallback = STATUS_KIND[status] ?? (status < 500 ? 'bad_input' : 'unavailable');
  const byKind = new Map<ErrorKind, string[]>();
  for (const c of codes) byKind.set(ERROR_KIND[c], [...(byKind.get(ERROR_KIND[c]) ?? []), c]);
  // The fallback kind covers its own codes too; only the other kinds need a condition.
  const special = [...byKind].filter(([k]) => k !== fallback).sort(([a], [b]) => ERROR_KINDS.indexOf(a) - ERROR_KINDS.indexOf(b));

  const types = special.filter(([k]) => MAKE_ERROR[k] !== MAKE_ERROR[fallback]);
  const type = types.length === 0 ? MAKE_ERROR[fallback] : `{{${choose(types.map(([k, cs]) => ({ when: codeIs(cs), value: `'${MAKE_ERROR[k]}'` })), `'${MAKE_ERROR[fallback]}'`)}}}`;

  const texts = special.filter(([k]) => ERROR_MESSAGES[k] !== ERROR_MESSAGES[fallback]);
  if (texts.length === 0) return { message: templateText(fallback), type };
  const none = texts.flatMap(([, cs]) => cs.map((c) => `body.error.code != '${c}'`)).join(' and ');
  const message = conditionalText([...texts.map(([k, cs]) => ({ when: codeIs(cs), kind: k })), { when: none, kind: fallback }]);
  return { message, type };
}

/**
 * `response.error` for every communication that calls the API: one entry per status the contract
 * names, and a default for any other (a proxy's 502: 4xx is bad input, anything else unavailable).
 */
export function errorDirective(): Record<string, unknown> {
  const statuses = [...new Set([...Object.values(ERROR_STATUS), ...Object.keys(STATUS_KIND).map(Number)])].sort((a, b) => a - b);
  const fallback = conditionalText([
    { when: 'statusCode < 500', kind: 'bad_input' },
    { when: 'statusCode >= 500', kind: 'unavailable' },
  ]);
  return {
    message: fallback,
    type: `{{if(statusCode < 500, '${MAKE_ERROR.bad_input}', '${MAKE_ERROR.unavailable}')}}`,
    ...Object.fromEntries(statuses.map((s) => [String(s), entryFor(s)])),
  };
}
