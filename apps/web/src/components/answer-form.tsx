import type { Approval, ResponseField } from '@greenlight/contract';
import { controlOf, editControlOf, shownValue, valueAtContentPath, type AnswersModule, type FieldValue } from '../lib/answers.ts';

/** What each control holds, and what the last check (the browser's or the server's) found wrong, by field. */
export interface AnswerState {
  answers: Record<string, FieldValue>;
  edits: Record<string, string | boolean>;
}
export interface AnswerProblems {
  answers: Record<string, string>;
  edits: Record<string, string>;
}

/** The id of a field's control, so a label, an error and the focus on the first invalid field find it. */
export const answerInputId = (formId: string, name: string) => `${formId}-answer-${name}`;
export const editInputId = (formId: string, path: string) => `${formId}-edit-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * The form a request asks to be approved with: one control per field of its `response_schema`
 * (answerFields, in the order written: label, help, required marker, default filled in) and one per
 * `editable` path, filled in with the value as requested, which stays shownValue beside it. Each problem is
 * shownValue at its field and bound to its control (aria-invalid, aria-describedby).
 */
export function AnswerFields({
  formId,
  approval: a,
  mod,
  state,
  problems,
  onChange,
}: {
  formId: string;
  approval: Approval;
  mod: AnswersModule;
  state: AnswerState;
  problems: AnswerProblems;
  onChange(next: AnswerState): void;
}) {
  const schema = a.response_schema ?? null;
  const editable = a.editable ?? [];
  return (
    <div className="stack answer-form" data-testid="answer-form">
      {schema && (
        <fieldset className="stack">
          <legend>{schema.title ?? 'Your answer'}</legend>
          {schema.description && <p className="small muted">{schema.description}</p>}
          {mod.answerFields(schema).map(({ name, label, required, field }) => (
            <AnswerControl
              key={name}
              id={answerInputId(formId, name)}
              label={label}
              required={required}
              field={field}
              value={state.answers[name]}
              problem={problems.answers[name]}
              onChange={(v) => onChange({ ...state, answers: { ...state.answers, [name]: v } })}
            />
          ))}
        </fieldset>
      )}
      {editable.length > 0 && (
        <fieldset className="stack" data-testid="edit-fields">
          <legend>Change before approving</legend>
          <p className="small muted">What you approve is the request with your changes; the automation receives them.</p>
          {editable.map((path) => (
            <EditControl
              key={path}
              id={editInputId(formId, path)}
              path={path}
              before={valueAtContentPath(a, path)}
              value={state.edits[path]}
              problem={problems.edits[path]}
              onChange={(v) => onChange({ ...state, edits: { ...state.edits, [path]: v } })}
            />
          ))}
        </fieldset>
      )}
    </div>
  );
}

function FieldError({ id, problem }: { id: string; problem: string | undefined }) {
  return problem ? (
    <p className="field-error small" id={id} data-testid="field-error">
      {problem}
    </p>
  ) : null;
}

function AnswerControl({
  id,
  label,
  required,
  field: f,
  value,
  problem,
  onChange,
}: {
  id: string;
  label: string;
  required: boolean;
  field: ResponseField;
  value: FieldValue | undefined;
  problem: string | undefined;
  onChange(v: FieldValue): void;
}) {
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const described = [f.description ? helpId : null, problem ? errorId : null].filter(Boolean).join(' ') || undefined;
  const aria = { 'aria-invalid': problem ? true : undefined, 'aria-describedby': described } as const;
  const text = typeof value === 'string' ? value : '';
  const marker = required ? (
    <span className="required" aria-hidden="true">
      {' '}
      *
    </span>
  ) : null;
  const help = f.description ? (
    <p className="small muted field-help" id={helpId}>
      {f.description}
    </p>
  ) : null;
  const control = controlOf(f);

  if (control === 'checkbox') {
    return (
      <div className={problem ? 'field invalid' : 'field'} data-field={id}>
        <label className="inline" htmlFor={id}>
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} {...aria} /> {label}
          {marker}
        </label>
        {help}
        <FieldError id={errorId} problem={problem} />
      </div>
    );
  }
  if (control === 'choices' && f.type === 'array') {
    const picked = Array.isArray(value) ? value : [];
    return (
      <fieldset className={problem ? 'field invalid' : 'field'} id={id} tabIndex={-1} aria-required={required || undefined} {...aria}>
        <legend>
          {label}
          {marker}
        </legend>
        {help}
        {f.items.enum.map((choice, i) => (
          <label className="inline" key={choice} htmlFor={`${id}-${i}`}>
            <input
              id={`${id}-${i}`}
              type="checkbox"
              checked={picked.includes(choice)}
              onChange={(e) => onChange(e.target.checked ? [...picked, choice] : picked.filter((c) => c !== choice))}
            />{' '}
            {choice}
          </label>
        ))}
        <FieldError id={errorId} problem={problem} />
      </fieldset>
    );
  }
  return (
    <div className={problem ? 'field invalid' : 'field'}>
      <label htmlFor={id}>
        {label}
        {marker}
        {required && <span className="visually-hidden"> (required)</span>}
      </label>
      {help}
      {control === 'select' && f.type === 'string' && (
        <select id={id} value={text} required={required} onChange={(e) => onChange(e.target.value)} {...aria}>
          {(!required || f.default === undefined) && <option value="">{required ? 'Choose…' : '(none)'}</option>}
          {f.enum!.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      )}
      {control === 'number' && (f.type === 'number' || f.type === 'integer') && (
        <input
          id={id}
          type="number"
          inputMode={f.type === 'integer' ? 'numeric' : 'decimal'}
          step={f.type === 'integer' ? 1 : 'any'}
          min={f.minimum}
          max={f.maximum}
          required={required}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          {...aria}
        />
      )}
      {control === 'text' && f.type === 'string' && (
        <input id={id} type="text" required={required} maxLength={f.maxLength} value={text} onChange={(e) => onChange(e.target.value)} {...aria} />
      )}
      {control === 'textarea' && f.type === 'string' && (
        <textarea id={id} required={required} maxLength={f.maxLength} value={text} onChange={(e) => onChange(e.target.value)} {...aria} />
      )}
      {(f.type === 'number' || f.type === 'integer') && (f.minimum !== undefined || f.maximum !== undefined) && (
        <p className="small muted">{rangeWords(f.minimum, f.maximum)}</p>
      )}
      <FieldError id={errorId} problem={problem} />
    </div>
  );
}

const rangeWords = (min: number | undefined, max: number | undefined): string =>
  min !== undefined && max !== undefined ? `From ${min} to ${max}` : min !== undefined ? `At least ${min}` : `At most ${max}`;

function EditControl({
  id,
  path,
  before,
  value,
  problem,
  onChange,
}: {
  id: string;
  path: string;
  before: unknown;
  value: string | boolean | undefined;
  problem: string | undefined;
  onChange(v: string | boolean): void;
}) {
  const errorId = `${id}-error`;
  const origId = `${id}-original`;
  const aria = { 'aria-invalid': problem ? true : undefined, 'aria-describedby': [origId, problem ? errorId : null].filter(Boolean).join(' ') } as const;
  const control = editControlOf(before);
  const text = typeof value === 'string' ? value : '';
  return (
    <div className={problem ? 'field invalid edit-field' : 'field edit-field'} data-testid="edit-field" data-path={path}>
      {control === 'checkbox' ? (
        <label className="inline" htmlFor={id}>
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} {...aria} /> <span className="mono">{path}</span>
        </label>
      ) : (
        <label htmlFor={id}>
          <span className="mono">{path}</span>
          {control === 'json' && <span className="small muted"> (JSON)</span>}
        </label>
      )}
      <div className="edit-pair">
        {control === 'text' && <input id={id} type="text" value={text} onChange={(e) => onChange(e.target.value)} {...aria} />}
        {control === 'number' && <input id={id} type="number" step="any" inputMode="decimal" value={text} onChange={(e) => onChange(e.target.value)} {...aria} />}
        {(control === 'textarea' || control === 'json') && (
          <textarea id={id} className={control === 'json' ? 'mono' : undefined} spellCheck={control !== 'json'} value={text} onChange={(e) => onChange(e.target.value)} {...aria} />
        )}
        <p className="small muted original" id={origId}>
          Requested: <span className="mono">{shownValue(before)}</span>
        </p>
      </div>
      <FieldError id={errorId} problem={problem} />
    </div>
  );
}
