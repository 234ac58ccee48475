import type { Approval, Edit } from '@greenlight/contract';
import { asksForInput, shownValue } from '../lib/answers.ts';
import { JsonView } from './json-view.tsx';

/** An answer's value in words: a flag as yes / no, choices joined, anything else as text. */
const answerWords = (v: unknown): string => (v === true ? 'yes' : v === false ? 'no' : Array.isArray(v) ? v.map(String).join(', ') || '(none)' : shownValue(v));

/**
 * What a request asked of its reviewer and what it got: each field of its `response_schema` (in the
 * order written, by its label) with the answer, the edits as before and after, and, once approved,
 * the content that was approved (edits applied). Pending, it says what will be asked.
 */
export function AnswerView({ approval: a }: { approval: Approval }) {
  if (!asksForInput(a)) return null;
  const schema = a.response_schema ?? null;
  const response = a.response ?? null;
  const edits = a.edits ?? [];
  return (
    <section className="card" aria-labelledby="h-answer" data-testid="answer-view">
      <h2 id="h-answer">{a.status === 'approved' ? 'Answer' : 'Asked of the reviewer'}</h2>
      {schema && (
        <dl className="answer-list small" data-testid="answer-fields">
          {Object.entries(schema.properties).map(([name, f]) => (
            <div key={name} data-field={name}>
              <dt>
                {f.title ?? name}
                {(schema.required ?? []).includes(name) ? ' (required)' : ''}
              </dt>
              <dd>
                {response ? (
                  <span data-testid="answer-value">{Object.hasOwn(response, name) ? answerWords(response[name]) : '(not answered)'}</span>
                ) : (
                  <span className="muted">{f.description ?? `a ${f.type === 'array' ? 'choice of several' : f.type}`}</span>
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {(a.editable ?? []).length > 0 && edits.length === 0 && (
        <p className="small muted">
          The reviewer may change {(a.editable ?? []).join(', ')}
          {a.status === 'approved' ? '; nothing was changed.' : '.'}
        </p>
      )}
      {edits.length > 0 && <EditsTable edits={edits} />}
      {a.approved_content && edits.length > 0 && (
        <details>
          <summary>What was approved (with the changes)</summary>
          <h3>Metadata</h3>
          <JsonView value={a.approved_content.metadata} label="Approved metadata as JSON" />
          {a.approved_content.changes?.after && (
            <>
              <h3>Changes, after</h3>
              <JsonView value={a.approved_content.changes.after} label="Approved changes as JSON" />
            </>
          )}
        </details>
      )}
    </section>
  );
}

/** Each field changed, as requested and as approved. */
export function EditsTable({ edits }: { edits: readonly Edit[] }) {
  return (
    <table className="diff" data-testid="edits">
      <caption className="small muted" style={{ textAlign: 'left' }}>
        Changed by the reviewer
      </caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Requested</th>
          <th scope="col">Approved</th>
        </tr>
      </thead>
      <tbody>
        {edits.map((e) => (
          <tr key={e.path} data-path={e.path}>
            <th scope="row" className="mono">
              {e.path}
            </th>
            <td className="before mono">
              <del>{shownValue(e.before)}</del>
            </td>
            <td className="after mono">
              <ins>{shownValue(e.after)}</ins>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A vote's answer and edits as its event recorded them, under the event in the audit trail. */
export function VoteAnswer({ data }: { data: Record<string, unknown> }) {
  const response = data.response !== null && typeof data.response === 'object' && !Array.isArray(data.response) ? (data.response as Record<string, unknown>) : null;
  const edits = Array.isArray(data.edits) ? (data.edits as Edit[]).filter((e) => typeof e?.path === 'string') : [];
  if (!response && edits.length === 0) return null;
  return (
    <div className="small" data-testid="vote-answer">
      {response && (
        <div>
          Answered:{' '}
          {Object.entries(response)
            .map(([k, v]) => `${k} ${answerWords(v)}`)
            .join('; ')}
        </div>
      )}
      {edits.map((e) => (
        <div key={e.path}>
          Changed <span className="mono">{e.path}</span>: <del className="mono">{shownValue(e.before)}</del> → <ins className="mono">{shownValue(e.after)}</ins>
        </div>
      ))}
    </div>
  );
}
