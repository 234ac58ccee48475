import type { ResponseField } from './answers.ts';
import { valueAtContentPath } from './content-path.ts';

export { valueAtContentPath };

/**
 * How an answer form is rendered and read, for every page that renders one (the dashboard, the email
 * link's confirmation page): which control each field is, what a control's value answers, how an
 * editable value is shown and read back. What a valid answer is stays `checkAnswer` / `checkEdits`
 * (answers.ts); this file only turns controls into the values those check.
 *
 * It imports no zod (only types), so the dashboard loads it with its first page
 * (`@greenlight/contract/answer-controls`) and fetches the checks on demand.
 */

/** Whether approving a request takes a form: it asks for an answer or lets fields be edited. */
export const asksForInput = (a: { response_schema?: unknown; editable?: readonly string[] | null }): boolean =>
  (a.response_schema !== null && a.response_schema !== undefined) || (a.editable ?? []).length > 0;

/** Which control a field is rendered as; a long string (no maxLength, or one above a line's worth) is a textarea. */
export type Control = 'text' | 'textarea' | 'select' | 'number' | 'checkbox' | 'choices';
export const SHORT_TEXT_MAX = 200;
export function controlOf(f: ResponseField): Control {
  switch (f.type) {
    case 'string':
      return f.enum ? 'select' : f.maxLength !== undefined && f.maxLength <= SHORT_TEXT_MAX ? 'text' : 'textarea';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'checkbox';
    case 'array':
      return 'choices';
  }
}

/**
 * The answer a control's value gives (a flag for a checkbox, the ticked choices, else the text).
 * Left empty is left out, so a default or "is required" applies; a number that is not one stays text,
 * for checkAnswer to name. No choice ticked is no answer for an optional field and an empty list (an
 * explicit "none") for a required one. A checkbox not present at all (undefined) says nothing.
 */
export function answerOfControl(f: ResponseField, value: string | string[] | boolean | undefined, required: boolean): unknown {
  if (f.type === 'boolean') return value === undefined ? undefined : value === true;
  if (f.type === 'array') {
    const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
    return list.length === 0 && !required ? undefined : list;
  }
  const text = typeof value === 'string' ? value : '';
  if (f.type === 'number' || f.type === 'integer') {
    if (text.trim() === '') return undefined;
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  return text === '' ? undefined : text;
}

/** How an editable value is edited: it keeps its JSON type, so a string in a text box, an object or array as JSON. */
export type EditControl = 'text' | 'textarea' | 'number' | 'checkbox' | 'json';
export function editControlOf(v: unknown): EditControl {
  if (typeof v === 'string') return v.length > 80 || v.includes('\n') ? 'textarea' : 'text';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'checkbox';
  return 'json';
}

/** An edit control's starting value: the value as requested (JSON, indented, for an object or array). */
export function editInitial(v: unknown): string | boolean {
  const c = editControlOf(v);
  if (c === 'checkbox') return v === true;
  if (c === 'json') return JSON.stringify(v, null, 2);
  return String(v);
}

/** The value an edit control gives for a field whose requested value is `before`, or the problem in words. */
export function editOfControl(before: unknown, value: string | boolean): { ok: true; value: unknown } | { ok: false; reason: string } {
  const c = editControlOf(before);
  if (c === 'checkbox') return { ok: true, value: value === true };
  const text = typeof value === 'string' ? value : '';
  if (c === 'number') {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: 'must be a number' };
  }
  if (c === 'json') {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, reason: 'is not valid JSON' };
    }
  }
  return { ok: true, value: text };
}

/** A value as a line of text: strings as they are, anything else as JSON. */
export const shownValue = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '—' : JSON.stringify(v));

/**
 * One issue of a refused answer (a validation error's `details.issues`, core/answers.ts): an answer's
 * field by name (`response.amount`), an edit by its content path (`edits.metadata.query`), or anything
 * else, its path kept. Paths come as dotted strings or as arrays of keys.
 */
export type RefusalIssue =
  | { on: 'answer'; name: string; reason: string }
  | { on: 'edit'; path: string; reason: string }
  | { on: 'other'; path: string; reason: string };

/** Every issue a refusal names, in its order; what every form that shows them (dashboard, decision page, chats) reads. */
export function refusalIssues(details: unknown): RefusalIssue[] {
  const issues = (details as { issues?: unknown } | null | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.map((item: unknown): RefusalIssue => {
    const issue = (item ?? {}) as { path?: unknown; message?: unknown };
    const path = Array.isArray(issue.path) ? issue.path.join('.') : typeof issue.path === 'string' ? issue.path : '';
    const reason = typeof issue.message === 'string' ? issue.message : 'is not valid';
    if (path.startsWith('response.')) return { on: 'answer', name: path.slice('response.'.length), reason };
    if (path.startsWith('edits.')) return { on: 'edit', path: path.slice('edits.'.length), reason };
    return { on: 'other', path, reason };
  });
}

/** The fields a refusal names, for a form with an input per field: answer fields by name, edits by path, the first reason of each. */
export function refusalProblems(details: unknown): { answers: Record<string, string>; edits: Record<string, string> } {
  const answers: Record<string, string> = {};
  const edits: Record<string, string> = {};
  for (const issue of refusalIssues(details)) {
    if (issue.on === 'answer') answers[issue.name] ??= issue.reason;
    else if (issue.on === 'edit') edits[issue.path] ??= issue.reason;
  }
  return { answers, edits };
}
