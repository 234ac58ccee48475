import { useId, useState } from 'react';
import type { Priority } from '@greenlight/contract';
import { api, ApiError, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { PRIORITIES } from '../api/contract-values.ts';
import { ErrorMessage } from '../components/bits.tsx';
import { handleLinkClick } from '../lib/router.ts';
import { useResource } from '../lib/use-resource.ts';

type PolicySet = ApiOutput<'getPolicies'>;
type Replay = ApiOutput<'replayPolicies'>;
/** One problem of the text as the server names it (`details.issues` of a 400). */
interface Issue {
  line: number;
  column: number;
  message: string;
  policy_id?: string;
}

/** The issues of a refused save or replay, when the server placed them in the text. */
function issuesOf(err: unknown): Issue[] {
  if (!(err instanceof ApiError) || err.code !== 'VALIDATION_ERROR') return [];
  const issues = (err.details?.issues ?? []) as Partial<Issue>[];
  return issues.filter((i): i is Issue => typeof i.line === 'number' && typeof i.column === 'number' && typeof i.message === 'string');
}

/** The requests a refused save would approve though a person rejected them (`details.disagreements` of a 409 CONFIRMATION_REQUIRED). */
function approvesRejectedOf(err: unknown): Replay['disagreements'] | null {
  if (!(err instanceof ApiError) || err.code !== 'CONFIRMATION_REQUIRED') return null;
  return (err.details?.disagreements ?? []) as Replay['disagreements'];
}

/**
 * Policies: the org's Cedar policy set. Everyone reads it; admins edit the text, replay it against the
 * latest decided requests, and save it. A refusal is shown at its line, beside the text.
 */
export function PoliciesPage() {
  const { me } = useSession();
  const isAdmin = me?.user?.role === 'admin';
  const set = useResource('policies', (signal) => api('getPolicies', {}, { signal }));
  const shadow = useResource('policies-shadow', (signal) => api('getPolicyShadow', {}, { signal }));
  return (
    <>
      <h1>Policies</h1>
      <p className="muted">
        Cedar policies decide a new request before anyone is asked: a <span className="mono">forbid</span> that holds rejects it, else a{' '}
        <span className="mono">permit</span> that holds approves it, else people are asked. Requests that never go without a person are
        only ever rejected by a policy.
      </p>
      <ErrorMessage error={set.error} />
      {set.data && (isAdmin ? <PolicyEditor set={set.data} onSaved={(s) => set.set(() => s)} /> : <PolicyText set={set.data} />)}
      {shadow.data && shadow.data.policies.length > 0 && (
        <section>
          <h2>In shadow</h2>
          <table data-testid="shadow-table">
            <thead>
              <tr>
                <th>policy</th>
                <th>would approve</th>
                <th>would reject</th>
                <th>people agreed</th>
                <th>people decided otherwise</th>
              </tr>
            </thead>
            <tbody>
              {shadow.data.policies.map((p) => (
                <tr key={p.policy_id}>
                  <td className="mono">{p.policy_id}</td>
                  <td>{p.would_approve}</td>
                  <td>{p.would_reject}</td>
                  <td>{p.agreed}</td>
                  <td>{p.disagreed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

function PolicyText({ set }: { set: PolicySet }) {
  if (set.policies.length === 0) return <p className="muted">No policies: people are asked about every request.</p>;
  return (
    <>
      <pre className="json" data-testid="policy-source">
        {set.source}
      </pre>
      <NeverWords never={set.never_without_person} />
    </>
  );
}

function NeverWords({ never }: { never: PolicySet['never_without_person'] }) {
  const classes = [...never.priorities.map((p) => `${p} priority`), ...never.action_types.map((t) => `action type ${t}`)];
  return <p className="small">Never without a person: {classes.length > 0 ? classes.join(', ') : 'nothing'}.</p>;
}

/** The text, numbered line by line, with each refused line marked and its reasons under it. */
function Lines({ source, issues }: { source: string; issues: Issue[] }) {
  const byLine = new Map<number, Issue[]>();
  for (const i of issues) byLine.set(i.line, [...(byLine.get(i.line) ?? []), i]);
  return (
    <ol className="mono small policy-lines" data-testid="policy-lines">
      {source.split('\n').map((text, n) => {
        const here = byLine.get(n + 1) ?? [];
        return (
          <li key={n} className={here.length > 0 ? 'error-line' : undefined} data-line={n + 1} data-error={here.length > 0 ? 'true' : undefined}>
            <span>{text || ' '}</span>
            {here.map((i, k) => (
              <div key={k} className="alert error" role="alert" data-testid="policy-issue">
                line {i.line}, column {i.column}: {i.message}
              </div>
            ))}
          </li>
        );
      })}
    </ol>
  );
}

function PolicyEditor({ set, onSaved }: { set: PolicySet; onSaved(s: PolicySet): void }) {
  const id = useId();
  const [source, setSource] = useState(set.source);
  const [priorities, setPriorities] = useState<Priority[]>(set.never_without_person.priorities);
  const [actionTypes, setActionTypes] = useState(set.never_without_person.action_types.join(', '));
  const [version, setVersion] = useState(set.version);
  const [error, setError] = useState<unknown>(undefined);
  const [replay, setReplay] = useState<Replay | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [confirmed, setConfirmed] = useState(false);
  const never = () => ({ priorities, action_types: actionTypes.split(',').map((s) => s.trim()).filter(Boolean) });
  const issues = issuesOf(error);
  const approvesRejected = approvesRejectedOf(error);

  const run = async (what: 'save' | 'replay') => {
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      if (what === 'replay') setReplay(await api('replayPolicies', { body: { source, never_without_person: never() } }));
      else {
        const s = await api('putPolicies', {
          body: { source, never_without_person: never(), expected_version: version, ...(confirmed && { confirm_approves_rejected: true }) },
        });
        setVersion(s.version);
        setSaved(true);
        setConfirmed(false);
        onSaved(s);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="stack">
      <label htmlFor={`${id}-source`}>Policy set (Cedar), version {version}</label>
      <textarea id={`${id}-source`} className="mono" rows={16} spellCheck={false} value={source} onChange={(e) => setSource(e.target.value)} data-testid="policy-editor" />
      <p className="small muted">
        Each policy needs <span className="mono">@id("…")</span>; <span className="mono">@reason("…")</span> is its decision's comment, and{' '}
        <span className="mono">@shadow</span> records what it would decide without applying it. What a policy can read:{' '}
        <a href="/api/v1/policies/schema" onClick={handleLinkClick}>
          the schema
        </a>
        .
      </p>
      <fieldset>
        <legend>Never without a person</legend>
        {PRIORITIES.map((p) => (
          <label key={p} className="inline">
            <input
              type="checkbox"
              checked={priorities.includes(p)}
              onChange={(e) => setPriorities(e.target.checked ? [...priorities, p] : priorities.filter((x) => x !== p))}
            />{' '}
            {p}
          </label>
        ))}
        <label htmlFor={`${id}-types`}>Action types (globs, comma-separated)</label>
        <input id={`${id}-types`} className="mono" value={actionTypes} onChange={(e) => setActionTypes(e.target.value)} />
      </fieldset>
      {issues.length > 0 ? <Lines source={source} issues={issues} /> : <ErrorMessage error={error} />}
      {approvesRejected && (
        <div className="card" data-testid="policy-approves-rejected">
          <p>These policies would approve what a person rejected:</p>
          <ul>
            {approvesRejected.map((d) => (
              <li key={d.approval_id}>
                <a href={`/requests/${d.approval_id}`} onClick={handleLinkClick}>
                  {d.title}
                </a>{' '}
                (<span className="mono">{d.policy_id}</span>)
              </li>
            ))}
          </ul>
          <label className="inline">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} data-testid="confirm-approves-rejected" /> I have
            reviewed these: save anyway
          </label>
        </div>
      )}
      <div className="row">
        <button type="button" disabled={busy} onClick={() => void run('replay')}>
          Replay against recent decisions
        </button>
        <button type="button" className="primary" disabled={busy} onClick={() => void run('save')}>
          Save
        </button>
        {saved && <span role="status">Saved as version {version}.</span>}
      </div>
      {replay && (
        <div className="card" data-testid="policy-replay">
          {replay.sentences.map((s) => (
            <p key={s}>{s}</p>
          ))}
          {replay.disagreements.length > 0 && (
            <ul>
              {replay.disagreements.map((d) => (
                <li key={d.approval_id}>
                  <a href={`/requests/${d.approval_id}`} onClick={handleLinkClick}>
                    {d.title}
                  </a>{' '}
                  — {d.decided}, the candidate would {d.candidate} (<span className="mono">{d.policy_id}</span>)
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
