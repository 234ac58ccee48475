/**
 * Answers in the chat channels: whether a request can be approved by one tap, and how a chat's form
 * (a Slack modal, a Teams card) is read back into the answer and edits the decision path checks. The
 * rules are the contract's (defaultsAnswer, answerFields, checkAnswer, checkEdits); this file only says
 * what a chat does with them, once for every chat.
 *
 * - A request "asks" for an answer when it has a `response_schema` or `editable` fields: a chat that
 *   can render a form shows it before approving (Slack, Teams).
 * - It "needs" one when approving with no input would not do (core/answers.ts, needsAnswer): its
 *   schema's defaults do not answer it, or it lets the reviewer edit its content (one tap would approve
 *   without the reviewer ever seeing what they may change). A chat that cannot render a form (Telegram, Discord, Web Push) offers no
 *   one-tap Approve for it but a link to its page, and a one-tap approve that arrives anyway (an old or
 *   crafted button) is refused by chatVote: nothing is decided.
 *
 * A form's values are only read here, never judged: every answer goes through the decision path, which
 * checks it against the request's schema as stored (not as the form said it).
 */
import {
  answerFields,
  answerOfControl,
  asksForInput,
  editControlOf,
  editInitial,
  editOfControl,
  refusalIssues,
  valueAtContentPath,
  type Answer,
  type Edits,
  type ResponseField,
  type ResponseSchema,
} from '@greenlight/contract';
import type { ApprovalRow } from '../core/approval-record.ts';
import { needsAnswer } from '../core/answers.ts';

export type AnswerAsked = Pick<ApprovalRow, 'response_schema' | 'editable'>;

/** Whether the request asks for an answer or lets the reviewer edit it: a form is shown before approving (the contract's rule). */
export const asksAnswer = (a: AnswerAsked): boolean => asksForInput(a);

/** Whether approving by one tap (no answer, no edits) cannot stand: the chat links to the request's page instead (the core's one rule). */
export { needsAnswer };

/** The line a chat without forms shows in place of its one-tap Approve (the link follows it, in the chat's way). */
export const answerNeededLine = (a: AnswerAsked): string =>
  a.response_schema !== null ? 'This request asks for an answer: open it to approve.' : 'This request may be edited before it is approved: open it to approve.';

/** What chatVote says to a one-tap approve of a request that needs an answer (≤ 200 characters with the link: a Telegram callback answer's limit). */
export const answerNeededRefusal = (publicUrl: string, approvalId: string): string =>
  `Nothing was decided: this request asks for an answer. Open it to approve: ${publicUrl}/requests/${approvalId}`;

/** The ids of a form's inputs, in every chat that renders one: a field by its name (an identifier), an editable field by its index in `editable`. */
export const FORM_IDS = {
  field: (name: string): string => `answer_${name}`,
  edit: (index: number): string => `edit_${index}`,
} as const;

/** One value of a chat's form as the chat gives it: text, the choices picked, or nothing. */
export type FormValue = string | readonly string[] | null | undefined;

/** A choice's value in a form: its index (a choice may hold up to 200 characters; Slack's option values hold 150). */
export const choiceValue = (i: number): string => String(i);
const choiceOf = (choices: readonly string[], v: string): string => (/^(0|[1-9][0-9]{0,2})$/.test(v) && Number(v) < choices.length ? choices[Number(v)]! : v);

/**
 * One field read back, as the contract reads a control (answerOfControl: text as text, numbers as
 * numbers, empty left out, a number that is not one passed on for checkAnswer to name), once the chat's
 * own ways are undone: choices arrive by index, a toggle as "true" / "false", a checkbox as the options
 * ticked (unticked is an answer: false), and several choices as a list, or comma-separated from Teams.
 * A list left empty is sent as one (an explicit "none").
 */
function fieldValue(f: ResponseField, v: FormValue): unknown {
  const text = typeof v === 'string' ? v : undefined;
  switch (f.type) {
    case 'string':
      return answerOfControl(f, f.enum && text ? choiceOf(f.enum, text) : text, false);
    case 'number':
    case 'integer':
      return answerOfControl(f, text, false);
    case 'boolean':
      return answerOfControl(f, Array.isArray(v) ? v.includes('true') : text === 'true', false);
    case 'array': {
      const picked = Array.isArray(v) ? v : text ? text.split(',').filter((s) => s !== '') : [];
      return picked.map((p) => choiceOf(f.items.enum, p));
    }
  }
}

/** The answer a form gives: each field of the schema by name (`valueOf(name)`), left out when empty. */
export function answerFromForm(schema: ResponseSchema, valueOf: (name: string) => FormValue): Answer {
  const answer: Answer = {};
  for (const { name, field } of answerFields(schema)) {
    const v = fieldValue(field, valueOf(name));
    if (v !== undefined) answer[name] = v;
  }
  return answer;
}

/** An editable field as a form shows it: its current value, and how it is typed in. */
export interface EditableField {
  path: string;
  /** The value as requested. */
  current: unknown;
  /** text: a string; number; boolean; json: an object or array, typed as JSON. */
  kind: 'text' | 'number' | 'boolean' | 'json';
}

/** The request's editable fields in order, with their values as requested. */
export function editableFields(a: Pick<ApprovalRow, 'editable' | 'metadata' | 'changes'>): EditableField[] {
  return a.editable.map((path) => {
    const current = valueAtContentPath(a, path);
    // The contract's control, in a chat's words: a chat sizes its own text inputs.
    const control = editControlOf(current);
    const kind = control === 'textarea' ? 'text' : control === 'checkbox' ? 'boolean' : control;
    return { path, current, kind };
  });
}

/** The text a form shows for an editable value (what it is pre-filled with). */
export const editableText = (e: EditableField): string => String(editInitial(e.current));

/**
 * The edits a form gives (`valueOf(index)` of each editable field): each value typed as the one it
 * replaces; unchanged ones are dropped by checkEdits. JSON that does not parse is passed on as text,
 * for checkEdits to refuse ("must stay an object").
 */
export function editsFromForm(fields: readonly EditableField[], valueOf: (index: number) => FormValue): Edits {
  const edits: Edits = {};
  fields.forEach((e, i) => {
    const v = valueOf(i);
    const text = typeof v === 'string' ? v : null;
    switch (e.kind) {
      case 'text':
        // An emptied box is an edit to "" (a string stays a string); a box the chat did not send is no edit.
        if (text !== null) edits[e.path] = text;
        break;
      case 'number':
      case 'json':
        if (text !== null && text.trim() !== '') {
          const read = editOfControl(e.current, text);
          edits[e.path] = read.ok ? read.value : text;
        }
        break;
      case 'boolean':
        if (v !== undefined && v !== null) edits[e.path] = Array.isArray(v) ? v.includes('true') : text === 'true';
        break;
    }
  });
  return edits;
}

/** One field a refused answer got wrong, named as the form names it: `answer` + field name, or `edit` + the editable's index. */
export type FormProblem = { at: { answer: string } | { edit: number } | null; reason: string };

/**
 * The issues a refusal of the decision path names (contract `refusalIssues`), mapped to a chat's form:
 * an answer's field by name, an edit by its path's index among the editable paths. What names no field
 * of the form comes back with `at: null`, its path told in the reason.
 */
export function formProblems(details: Record<string, unknown> | undefined, editable: readonly string[]): FormProblem[] {
  return refusalIssues(details).map((issue): FormProblem => {
    if (issue.on === 'answer') return { at: { answer: issue.name }, reason: issue.reason };
    const path = issue.on === 'edit' ? `edits.${issue.path}` : issue.path;
    const edit = issue.on === 'edit' ? editable.indexOf(issue.path) : -1;
    if (edit >= 0) return { at: { edit }, reason: issue.reason };
    return { at: null, reason: path ? `${path} ${issue.reason}` : issue.reason };
  });
}
