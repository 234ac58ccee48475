/**
 * The answer form of a decision link's confirmation page: a request that asks for an answer
 * (`response_schema`) or lets fields be edited (`editable`) is approved from its email only through
 * this form, server-rendered and working without script (the page runs none: users/html.ts's CSP).
 *
 * The fields are the contract's `answerFields`; what the POST gives is checked with the contract's
 * `checkAnswer` / `checkEdits`, the functions the decision itself runs (core/answers.ts), so the page
 * can name each problem at its field and re-render the form with what was typed before anything is
 * decided. The dashboard renders the same fields from the same functions (apps/web answer-form.tsx):
 * which control a field is and what a control answers are the contract's (answer-controls.ts).
 *
 * Form names: `answer.<field>` (a field name is an identifier) and `edit.<path>`; a checkbox sends
 * `true` when ticked and nothing otherwise, a group of checkboxes its name once per choice.
 */
import {
  answerFields,
  answerOfControl,
  asksForInput,
  checkAnswer,
  checkEdits,
  controlOf,
  editControlOf,
  editInitial,
  editOfControl,
  refusalProblems,
  shownValue,
  valueAtContentPath,
  type Edit,
  type ResponseField,
  type ResponseSchema,
} from '@greenlight/contract';
import type { ApprovalRow } from '../../core/approval-record.ts';
import { escapeHtml } from '../users/html.ts';

/** What a request asks of its approving reviewer. */
export function askedOf(row: ApprovalRow): { schema: ResponseSchema | null; editable: string[] } {
  return { schema: row.response_schema ?? null, editable: row.editable ?? [] };
}

export { asksForInput };

/** The form's raw values by form name, as posted (or as first rendered): what a re-render shows again. */
export type RawValues = Record<string, string | string[]>;
/** A problem by form name. */
export type Problems = Record<string, string>;

const answerName = (field: string) => `answer.${field}`;
const editName = (path: string) => `edit.${path}`;
/** An HTML id from a form name: letters, digits, - and _ only. */
const idOf = (name: string) => `f-${name.replace(/[^A-Za-z0-9_-]/g, (c) => `-${c.charCodeAt(0).toString(16)}-`)}`;


/** The values the form starts with: each field's default, each editable field as requested. */
export function initialValues(row: ApprovalRow): RawValues {
  const { schema, editable } = askedOf(row);
  const values: RawValues = {};
  for (const { name, field: f } of schema ? answerFields(schema) : []) {
    if (f.default === undefined) continue;
    values[answerName(name)] = f.type === 'array' ? f.default : String(f.default);
  }
  for (const path of editable) {
    values[editName(path)] = String(editInitial(valueAtContentPath(row, path)));
  }
  return values;
}

/** The form's values out of a urlencoded body (express.urlencoded, not extended): only the names this request's form has. */
export function rawValuesOf(row: ApprovalRow, body: Record<string, unknown>): RawValues {
  const { schema, editable } = askedOf(row);
  const names = [...(schema ? Object.keys(schema.properties).map(answerName) : []), ...editable.map(editName)];
  const values: RawValues = {};
  for (const name of names) {
    const v = body[name];
    if (typeof v === 'string') values[name] = v;
    else if (Array.isArray(v)) values[name] = v.filter((x): x is string => typeof x === 'string');
  }
  return values;
}

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
/** A checkbox comes after a hidden `false` of the same name, so a form sends `false` or `false, true`, and a body without the name says nothing. */
const ticked = (v: string | string[] | undefined): boolean => (Array.isArray(v) ? v.includes('true') : v === 'true');
const checkbox = (checked: boolean, attrs: string, name: string) =>
  `<input type="hidden" name="${escapeHtml(name)}" value="false"><input type="checkbox" value="true"${checked ? ' checked' : ''} ${attrs}>`;

/** A posted field as its control holds it: a checkbox's flag, a group's choices, else its text; undefined when not posted. */
const controlValue = (f: ResponseField, raw: string | string[] | undefined) =>
  raw === undefined ? undefined : f.type === 'boolean' ? ticked(raw) : f.type === 'array' ? raw : one(raw);

export type ReadAnswer =
  | { ok: true; response: Record<string, unknown> | undefined; edits: Record<string, unknown> | undefined; checkedEdits: Edit[] }
  | { ok: false; problems: Problems };

/** What the posted form answers, checked by the contract's functions: the vote's `response` and `edits`, or the problem at each field. */
export function readAnswer(row: ApprovalRow, values: RawValues): ReadAnswer {
  const { schema, editable } = askedOf(row);
  const problems: Problems = {};
  let response: Record<string, unknown> | undefined;
  if (schema) {
    response = {};
    for (const { name, required, field } of answerFields(schema)) {
      const v = answerOfControl(field, controlValue(field, values[answerName(name)]), required);
      if (v !== undefined) response[name] = v;
    }
    const checked = checkAnswer(schema, response);
    if (!checked.ok) for (const p of checked.problems) problems[answerName(p.field)] ??= p.reason;
  }
  const edits: Record<string, unknown> = {};
  for (const path of editable) {
    const before = valueAtContentPath(row, path);
    const raw = values[editName(path)];
    // A field not posted at all is left as requested (a browser posts every field of the form).
    if (raw === undefined) continue;
    const read = editOfControl(before, editControlOf(before) === 'checkbox' ? ticked(raw) : one(raw));
    if (!read.ok) problems[editName(path)] = read.reason;
    const after = read.ok ? read.value : undefined;
    if (!problems[editName(path)] && JSON.stringify(after) !== JSON.stringify(before)) edits[path] = after;
  }
  const checkedEdits = checkEdits({ metadata: row.metadata, changes: row.changes }, editable, edits);
  if (!checkedEdits.ok) for (const p of checkedEdits.problems) problems[editName(p.field)] ??= p.reason;
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, response, edits: Object.keys(edits).length > 0 ? edits : undefined, checkedEdits: checkedEdits.ok ? checkedEdits.edits : [] };
}

/** The problems a refusal of the decision names (a validation error's `details.issues`: `response.<field>`, `edits.<path>`), by form name. */
export function problemsOfRefusal(details: unknown): Problems {
  const { answers, edits } = refusalProblems(details);
  return Object.fromEntries([...Object.entries(answers).map(([f, m]) => [answerName(f), m]), ...Object.entries(edits).map(([p, m]) => [editName(p), m])]);
}

function rangeWords(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `From ${min} to ${max}.`;
  if (min !== undefined) return `At least ${min}.`;
  return max !== undefined ? `At most ${max}.` : '';
}

/** One control with its label, help, original value (for an edit) and problem, bound by ids. */
function fieldHtml(opts: {
  name: string;
  label: string;
  required: boolean;
  help: string | null;
  problem: string | undefined;
  control: (attrs: string) => string;
  inline?: boolean;
  first: boolean;
}): string {
  const id = idOf(opts.name);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const described = [opts.help ? helpId : null, opts.problem ? errorId : null].filter(Boolean).join(' ');
  const attrs = `id="${id}" name="${escapeHtml(opts.name)}"${described ? ` aria-describedby="${described}"` : ''}${opts.problem ? ' aria-invalid="true"' : ''}${
    opts.problem && opts.first ? ' autofocus' : ''
  }`;
  const marker = opts.required ? '<span class="required" aria-hidden="true"> *</span><span class="visually-hidden"> (required)</span>' : '';
  const help = opts.help ? `<p class="small muted field-help" id="${helpId}">${opts.help}</p>` : '';
  const error = opts.problem ? `<p class="field-error small" id="${errorId}">${escapeHtml(opts.problem)}</p>` : '';
  const cls = opts.problem ? 'field invalid' : 'field';
  if (opts.inline) return `<div class="${cls}"><label for="${id}">${opts.control(attrs)} ${escapeHtml(opts.label)}${marker}</label>${help}${error}</div>`;
  return `<div class="${cls}"><label for="${id}">${escapeHtml(opts.label)}${marker}</label>${help}${opts.control(attrs)}${error}</div>`;
}

/**
 * The form's fields, filled with `values`, each problem at its field (and listed first, each a link
 * to its field, the first one focused). Everything from the request is escaped.
 */
export function answerFormHtml(row: ApprovalRow, values: RawValues, problems: Problems): string {
  const { schema, editable } = askedOf(row);
  const order = [...(schema ? Object.keys(schema.properties).map(answerName) : []), ...editable.map(editName)];
  const firstProblem = order.find((n) => problems[n] !== undefined);
  const labels: Record<string, string> = {};
  const parts: string[] = [];
  if (schema) {
    const fields = answerFields(schema).map(({ name, label, required, field: f }) => {
      const fname = answerName(name);
      labels[fname] = label;
      const raw = values[fname];
      const text = escapeHtml(one(raw));
      const common = { name: fname, label, required, help: f.description ? escapeHtml(f.description) : null, problem: problems[fname], first: fname === firstProblem };
      switch (f.type) {
        case 'boolean':
          return fieldHtml({ ...common, inline: true, control: (a) => checkbox(ticked(raw), a, fname) });
        case 'array': {
          const picked = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
          const id = idOf(fname);
          const described = [f.description ? `${id}-help` : null, problems[fname] ? `${id}-error` : null].filter(Boolean).join(' ');
          const boxes = f.items.enum
            .map(
              (c, i) =>
                `<label for="${id}-${i}"><input type="checkbox" id="${id}-${i}" name="${escapeHtml(fname)}" value="${escapeHtml(c)}"${picked.includes(c) ? ' checked' : ''}${
                  problems[fname] && fname === firstProblem && i === 0 ? ' autofocus' : ''
                }> ${escapeHtml(c)}</label>`,
            )
            .join('');
          return `<fieldset class="${problems[fname] ? 'field invalid' : 'field'}" id="${id}"${described ? ` aria-describedby="${described}"` : ''}><legend>${escapeHtml(label)}${
            required ? '<span class="required" aria-hidden="true"> *</span><span class="visually-hidden"> (required)</span>' : ''
          }</legend>${common.help ? `<p class="small muted field-help" id="${id}-help">${common.help}</p>` : ''}${boxes}${
            problems[fname] ? `<p class="field-error small" id="${id}-error">${escapeHtml(problems[fname])}</p>` : ''
          }</fieldset>`;
        }
        case 'number':
        case 'integer': {
          const range = rangeWords(f.minimum, f.maximum);
          return fieldHtml({
            ...common,
            help: common.help && range ? `${common.help} (${escapeHtml(range.charAt(0).toLowerCase() + range.slice(1, -1))})` : common.help || (range ? escapeHtml(range) : null),
            control: (a) =>
              `<input type="number" inputmode="${f.type === 'integer' ? 'numeric' : 'decimal'}" step="${f.type === 'integer' ? '1' : 'any'}"${
                f.minimum !== undefined ? ` min="${f.minimum}"` : ''
              }${f.maximum !== undefined ? ` max="${f.maximum}"` : ''}${required ? ' required' : ''} value="${text}" ${a}>`,
          });
        }
        case 'string': {
          if (f.enum) {
            const blank = !required || f.default === undefined ? `<option value="">${required ? 'Choose…' : '(none)'}</option>` : '';
            const options = f.enum.map((c) => `<option value="${escapeHtml(c)}"${one(raw) === c ? ' selected' : ''}>${escapeHtml(c)}</option>`).join('');
            return fieldHtml({ ...common, control: (a) => `<select${required ? ' required' : ''} ${a}>${blank}${options}</select>` });
          }
          const max = f.maxLength !== undefined ? ` maxlength="${f.maxLength}"` : '';
          if (controlOf(f) === 'text') return fieldHtml({ ...common, control: (a) => `<input type="text"${max}${required ? ' required' : ''} value="${text}" ${a}>` });
          return fieldHtml({ ...common, control: (a) => `<textarea rows="4"${max}${required ? ' required' : ''} ${a}>${text}</textarea>` });
        }
      }
    });
    parts.push(
      `<fieldset class="stack"><legend>${escapeHtml(schema.title ?? 'Your answer')}</legend>${schema.description ? `<p class="small muted">${escapeHtml(schema.description)}</p>` : ''}${fields.join('')}</fieldset>`,
    );
  }
  if (editable.length > 0) {
    const fields = editable.map((path) => {
      const fname = editName(path);
      labels[fname] = path;
      const before = valueAtContentPath(row, path);
      const kind = editControlOf(before);
      const id = idOf(fname);
      const text = escapeHtml(one(values[fname]));
      const original = `<p class="small muted original" id="${id}-original">Requested: <code>${escapeHtml(shownValue(before))}</code></p>`;
      const control = (a: string) => {
        const withOriginal = a.replace(/aria-describedby="([^"]*)"/, `aria-describedby="${id}-original $1"`);
        const attrs = withOriginal.includes('aria-describedby') ? withOriginal : `${withOriginal} aria-describedby="${id}-original"`;
        switch (kind) {
          case 'checkbox':
            return checkbox(ticked(values[fname]), attrs, fname);
          case 'number':
            return `<input type="number" step="any" inputmode="decimal" value="${text}" ${attrs}>`;
          case 'text':
            return `<input type="text" value="${text}" ${attrs}>`;
          default:
            return `<textarea rows="${kind === 'json' ? 6 : 4}"${kind === 'json' ? ' class="mono" spellcheck="false"' : ''} ${attrs}>${text}</textarea>`;
        }
      };
      const html = fieldHtml({ name: fname, label: kind === 'json' ? `${path} (JSON)` : path, required: false, help: null, problem: problems[fname], first: fname === firstProblem, inline: kind === 'checkbox', control });
      return html.replace(/<\/div>$/, `${original}</div>`);
    });
    parts.push(
      `<fieldset class="stack"><legend>Change before approving</legend><p class="small muted">What you approve is the request with your changes; the automation receives them.</p>${fields.join('')}</fieldset>`,
    );
  }
  const named = order.filter((n) => problems[n] !== undefined);
  const summary =
    named.length > 0
      ? `<div class="error" role="alert" id="answer-problems"><p><strong>Nothing was decided.</strong> ${named.length === 1 ? 'One field needs' : `${named.length} fields need`} your attention:</p><ul>${named
          .map((n) => `<li><a href="#${idOf(n)}">${escapeHtml(labels[n] ?? n)}</a>: ${escapeHtml(problems[n]!)}</li>`)
          .join('')}</ul></div>`
      : '';
  return `${summary}<div class="answer-form">${parts.join('')}</div>`;
}

/** What was answered and changed, on the page of a link used or a request decided: each field by its label, each edit before and after. */
export function answeredHtml(row: ApprovalRow): string {
  const r = row;
  const { schema } = askedOf(row);
  const words = (v: unknown) => (v === true ? 'yes' : v === false ? 'no' : Array.isArray(v) ? v.map(String).join(', ') || '(none)' : shownValue(v));
  const answer =
    schema && r.response
      ? `<h2>Answer</h2><dl class="answer-list">${answerFields(schema)
          .map(({ name, label }) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(Object.hasOwn(r.response!, name) ? words(r.response![name]) : '(not answered)')}</dd>`)
          .join('')}</dl>`
      : '';
  const edits = (r.edits ?? []).length
    ? `<h2>Changed before approving</h2><table><tr><th>Field</th><th>Requested</th><th>Approved</th></tr>${r
        .edits!.map((e) => `<tr><td><code>${escapeHtml(e.path)}</code></td><td><code>${escapeHtml(shownValue(e.before))}</code></td><td><code>${escapeHtml(shownValue(e.after))}</code></td></tr>`)
        .join('')}</table>`
    : '';
  return answer + edits;
}
