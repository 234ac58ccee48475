import { useEffect, useRef, useState } from 'react';
import type { Approval, ApprovalEvent, Comment, Quorum as StepQuorum, Step } from '@greenlight/contract';
import { api, type ApiOutput } from '../api/client.ts';
import { CREATED_VIA_WORDS } from '../api/contract-values.ts';
import { useLiveEvents } from '../api/live.tsx';
import { useSession, type Me } from '../api/session.tsx';
import { ConfirmButton, ErrorMessage, ExpiryBadge, PriorityBadge, StatusBadge } from '../components/bits.tsx';
import { AnswerView, VoteAnswer } from '../components/answer-view.tsx';
import { DecisionForm } from '../components/decision-form.tsx';
import { StepUpButton } from '../components/step-up.tsx';
import { DiffView } from '../components/diff-view.tsx';
import { JsonView } from '../components/json-view.tsx';
import { Markdown } from '../components/markdown.tsx';
import { PickList, QuorumSelect } from '../components/pickers.tsx';
import { mayApprove, mayCancel, mayDecide, mayReassign, mayRevoke } from '../lib/decide.ts';
import { autoDeciderLabel, formatDate, fromNow, principalLabel } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';

/** The request with its run (steps, active step, per-reviewer results). */
type ApprovalDetail = ApiOutput<'getApproval'>;
type Run = NonNullable<ApprovalDetail['run']>;
type RunStep = Run['steps'][number];
type ReviewerResult = ApprovalDetail['results'][number];

interface Detail {
  approval: ApprovalDetail;
  comments: Comment[];
  events: ApprovalEvent[];
}

/** The three reads a request page needs, in parallel: one round trip, not three. */
async function loadDetail(id: string, signal: AbortSignal): Promise<Detail> {
  const [approval, comments, events] = await Promise.all([
    api('getApproval', { params: { id } }, { signal }),
    api('listComments', { params: { id } }, { signal }),
    api('listApprovalEvents', { params: { id } }, { signal }),
  ]);
  return { approval, comments: comments.data, events: events.data };
}

export function RequestPage({ id }: { id: string }) {
  const { me } = useSession();
  const detail = useResource(id, (signal) => loadDetail(id, signal));
  const refetch = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(refetch.current), []);

  useLiveEvents((event) => {
    if (event.data.approval_id !== id) return;
    clearTimeout(refetch.current);
    refetch.current = setTimeout(detail.reload, 100);
  });

  useEffect(() => {
    if (detail.data) document.title = `${detail.data.approval.title} · Greenlight`;
    return () => {
      document.title = 'Greenlight';
    };
  }, [detail.data]);

  if (!detail.data) {
    return detail.error ? <ErrorMessage error={detail.error} /> : <p className="muted">Loading…</p>;
  }
  const { approval: a, comments, events } = detail.data;
  const setApproval = (next: Approval) => {
    detail.set((cur) => cur && { ...cur, approval: { ...cur.approval, ...next } });
    detail.reload();
  };

  return (
    <article aria-labelledby="request-title">
      <header className="stack">
        <h1 id="request-title" style={{ overflowWrap: 'anywhere' }}>
          {a.title}
        </h1>
        <div className="row small">
          <StatusBadge status={a.status} />
          <PriorityBadge priority={a.priority} />
          <ExpiryBadge expiresAt={a.expires_at} status={a.status} />
          <span className="muted">
            Requested by {principalLabel(a.requested_by)}
            {a.source ? ` via ${a.source}` : ''} <time dateTime={a.created_at}>{fromNow(a.created_at)}</time>
          </span>
          {a.routing && (
            <span className="muted" data-testid="routed-by">
              · routed by the rule “{a.routing.rule_name}”
            </span>
          )}
        </div>
      </header>
      <WaiterGone approval={a} onCancelled={setApproval} />
      <div className="request-grid" style={{ marginTop: '1rem' }}>
        <div>
          <section className="card" aria-labelledby="h-decision">
            <h2 id="h-decision">Decision</h2>
            <Quorum approval={a} />
            <DecisionArea approval={a} onChanged={setApproval} />
          </section>
          {/* Pending, whoever may approve sees what is asked in the decision form itself. */}
          {!(a.status === 'pending' && mayApprove(a).allowed && mayDecide(a).allowed) && <AnswerView approval={a} />}
          {a.execution && <ExecutionReceipt execution={a.execution} />}
          <section className="card" aria-labelledby="h-description">
            <h2 id="h-description">Description</h2>
            <Markdown source={a.description} />
          </section>
          {(a.redact ?? []).length > 0 && (
            <p className={`alert ${a.redacted ? 'error' : 'success'} small`} data-testid="sensitive-note">
              {a.redacted
                ? `The requester marked ${a.redact!.join(', ')} as sensitive: they show as “[redacted]” because you don’t have the permission to see sensitive fields (an admin can grant it).`
                : `The requester marked ${a.redact!.join(', ')} as sensitive: you see them because you may.`}
            </p>
          )}
          {a.changes && (
            <section className="card" aria-labelledby="h-changes">
              <h2 id="h-changes">Changes</h2>
              <DiffView before={a.changes.before} after={a.changes.after} />
            </section>
          )}
          <section className="card" aria-labelledby="h-details">
            <h2 id="h-details">Details</h2>
            <dl className="small">
              {a.action_type && <Field label="Action type" value={a.action_type} mono />}
              {a.resource && <Field label={a.action ? 'Change' : 'Resource'} value={entityChange(a)} />}
              {a.external_id && <Field label="External id" value={a.external_id} mono />}
              {a.created_via && <Field label="Created through" value={CREATED_VIA_WORDS[a.created_via]} testId="created-via" />}
              {a.expires_at && <Field label="Expires" value={`${formatDate(a.expires_at)} (then: ${a.on_expiry})`} />}
              {Object.keys(a.tags).length > 0 && <Field label="Tags" value={Object.entries(a.tags).map(([k, v]) => `${k}:${v}`).join(', ')} />}
              {a.callback_url ? (
                <Field label="Callback" value={a.callback_url} mono />
              ) : (
                a.has_callback && <Field label="Callback" value="set (its address is shown to the requester and admins only)" />
              )}
              <Field label="Content hash" value={a.approved_content_sha256} mono />
            </dl>
            <h3>Metadata</h3>
            <JsonView value={a.metadata} label="Metadata as JSON" />
          </section>
          <Comments approvalId={a.id} comments={comments} onAdded={detail.reload} />
        </div>
        <div>
          {a.run ? <RunView approval={a} run={a.run} me={me} onChanged={detail.reload} /> : a.results.length > 0 && <Results results={a.results} />}
          <section className="card" aria-labelledby="h-timeline">
            <h2 id="h-timeline">Audit trail</h2>
            <Timeline events={events} />
          </section>
        </div>
      </div>
    </article>
  );
}

/**
 * Nobody waits for this answer any more (its callback target is gone): why, since when, and, for
 * whoever may cancel the request (its requester, an admin), one click that cancels it. A decided
 * request whose callback found nobody says so too, without the button.
 */
function WaiterGone({ approval: a, onCancelled }: { approval: Approval; onCancelled(a: Approval): void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (a.waiter?.state !== 'gone') return null;
  const since = a.waiter.since;
  const cancel = mayCancel(a).allowed;
  return (
    <div className="alert warn stack" role="status" data-testid="waiter-gone" style={{ marginTop: '1rem' }}>
      <p style={{ margin: 0 }}>
        <strong>{a.status === 'pending' ? 'Nobody is waiting for this answer.' : 'Nobody was waiting for this answer.'}</strong>{' '}
        {a.waiter.reason ? `${a.waiter.reason.charAt(0).toUpperCase()}${a.waiter.reason.slice(1)}` : 'Its automation no longer answers'}
        {since && (
          <>
            {' '}
            — since{' '}
            <time dateTime={since} title={formatDate(since)}>
              {formatDate(since)}
            </time>
          </>
        )}
        .
      </p>
      {a.status === 'pending' && (
        <p className="small" style={{ margin: 0 }}>
          A decision would reach no one. {cancel ? 'Cancel it unless the automation is being restarted.' : 'The requester or an admin can cancel it.'}
        </p>
      )}
      {cancel && (
        <div className="row">
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                onCancelled(await api('cancelApproval', { params: { id: a.id } }));
              } catch (err) {
                setError(err);
              } finally {
                setBusy(false);
              }
            }}
          >
            Cancel this request
          </button>
        </div>
      )}
      {error !== null && <ErrorMessage error={error} />}
    </div>
  );
}

/** What the automation reported doing with the approval (its execution receipt). */
function ExecutionReceipt({ execution }: { execution: NonNullable<Approval['execution']> }) {
  const words = { started: 'Started', succeeded: 'Succeeded', failed: 'Failed' } as const;
  return (
    <section className="card" aria-labelledby="h-execution" data-testid="execution">
      <h2 id="h-execution">Execution</h2>
      <p>
        <strong data-status={execution.status}>{words[execution.status]}</strong>{' '}
        <time className="small muted" dateTime={execution.reported_at} title={formatDate(execution.reported_at)}>
          {fromNow(execution.reported_at)}
        </time>
      </p>
      {execution.message && <p className="small">{execution.message}</p>}
      {execution.url && (
        <p className="small">
          <a href={execution.url} target="_blank" rel="noopener noreferrer">
            See the result
          </a>
        </p>
      )}
    </section>
  );
}

function Field({ label, value, mono, testId }: { label: string; value: string; mono?: boolean; testId?: string }) {
  return (
    <div style={{ marginBottom: '0.4rem' }} data-testid={testId}>
      <dt className="muted">{label}</dt>
      <dd style={{ margin: 0, overflowWrap: 'anywhere' }} className={mono ? 'mono' : undefined}>
        {value}
      </dd>
    </div>
  );
}

/** With steps the counters count steps ("1 of 2 steps approved"), otherwise approvals. */
function Quorum({ approval: a }: { approval: ApprovalDetail }) {
  const pct = Math.min(100, Math.round((a.current_approvals / Math.max(1, a.required_approvals)) * 100));
  const plural = a.required_approvals === 1 ? '' : 's';
  return (
    <div className="stack" style={{ marginBottom: '1rem' }}>
      <div className="small" id={`quorum-${a.id}`} data-testid="quorum">
        {a.run
          ? `${a.current_approvals} of ${a.required_approvals} step${plural} approved`
          : `${a.current_approvals} of ${a.required_approvals} approval${plural}`}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-labelledby={`quorum-${a.id}`}
        aria-valuemin={0}
        aria-valuemax={a.required_approvals}
        aria-valuenow={a.current_approvals}
      >
        <span style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

/** Why there is no decision form, in plain words, before anyone clicks: the server's reason (viewer_can). */
function whyNot(a: Approval): string | null {
  if (a.status !== 'pending') {
    const when = a.decided_at ?? a.cancelled_at ?? a.updated_at;
    const by = autoDeciderLabel(a);
    return `This request was ${a.status}${by ? ` ${by}` : ''} ${fromNow(when)}${a.decision_comment ? `: “${a.decision_comment}”` : '.'}`;
  }
  const decide = mayDecide(a);
  return decide.allowed ? null : (decide.reason ?? null);
}

function DecisionArea({ approval: a, onChanged }: { approval: Approval; onChanged(a: Approval): void }) {
  const { emergencyStop } = useSession();
  const [done, setDone] = useState<string | null>(null);
  const reason = whyNot(a);
  const approve = mayApprove(a);
  const cancellable = mayCancel(a).allowed;
  return (
    <div className="stack">
      {done && (
        <p className="alert success" role="status">
          {done}
        </p>
      )}
      {reason && (
        <p className={a.status === 'pending' ? 'alert warn' : 'muted'} data-testid="decide-refusal">
          {reason}
        </p>
      )}
      {a.status === 'pending' && mayDecide(a).reason_code === 'step_up_required' && <StepUpButton approval={a} onConfirmed={onChanged} />}
      {emergencyStop && a.status === 'pending' && (
        <p className="alert error">The emergency stop is on: decisions are refused until an admin turns it off.</p>
      )}
      {mayDecide(a).allowed && !approve.allowed && approve.reason && (
        <p className="small muted" data-testid="approve-refusal">
          {approve.reason}: you may reject it, not approve it.
        </p>
      )}
      {mayDecide(a).allowed && (
        <DecisionForm
          approval={a}
          canApprove={approve.allowed}
          onDecided={(r) => {
            setDone(
              r.status === 'pending'
                ? `Your approval is recorded (${r.current_approvals} of ${r.required_approvals}).`
                : `You ${r.status === 'approved' ? 'approved' : 'rejected'} this request.${(r.has_callback ?? r.callback_url !== null) ? (r.callback_delivered ? ' The automation has been told.' : ' The automation will be told.') : ''}`,
            );
            onChanged(r);
          }}
        />
      )}
      <RevokeArea approval={a} onRevoked={(next) => { setDone('You revoked this approval. The automation is told not to act on it.'); onChanged(next); }} />
      {cancellable && (
        <ConfirmButton
          title="Cancel this request?"
          body={<p>Nobody will be able to approve or reject it any more, and the automation is told it was cancelled.</p>}
          confirmLabel="Cancel request"
          danger
          onConfirm={async () => {
            const next = await api('cancelApproval', { params: { id: a.id } });
            setDone('You cancelled this request.');
            onChanged(next);
          }}
        >
          Cancel request
        </ConfirmButton>
      )}
    </div>
  );
}

/**
 * The revoke window: until when an approval may be taken back, and the button for whoever may (an
 * admin, or any approver whose approving vote it rests on: viewer_can). A revoked approval says who
 * revoked it and why.
 */
function RevokeArea({ approval: a, onRevoked }: { approval: Approval; onRevoked(a: Approval): void }) {
  const [reason, setReason] = useState('');
  if (a.revoked_at) {
    return (
      <p className="alert warn" data-testid="revoked">
        Approval revoked by {a.revoked_by ? principalLabel(a.revoked_by) : 'someone'}{' '}
        <time dateTime={a.revoked_at} title={formatDate(a.revoked_at)}>{fromNow(a.revoked_at)}</time>
        {a.revocation_reason ? `: “${a.revocation_reason}”` : ''}. The automation was told not to act on it.
      </p>
    );
  }
  if (a.status !== 'approved' || !a.revocable_until) return null;
  const open = Date.parse(a.revocable_until) > Date.now() && a.execution === null;
  const allowed = mayRevoke(a).allowed;
  return (
    <div className="stack" data-testid="revoke-window">
      <p className="small muted">
        {open ? 'Revocable until ' : 'The revoke window closed '}
        <time dateTime={a.revocable_until} title={formatDate(a.revocable_until)}>{formatDate(a.revocable_until)}</time>
        {a.execution ? ' (the automation has started)' : ''}
      </p>
      {open && allowed && (
        <ConfirmButton
          title="Revoke this approval?"
          body={
            <label className="stack small">
              Reason (optional, the automation receives it)
              <input value={reason} maxLength={10_000} onChange={(e) => setReason(e.target.value)} />
            </label>
          }
          confirmLabel="Revoke approval"
          danger
          onConfirm={async () => {
            const next = await api('revokeApproval', { params: { id: a.id }, body: reason.trim() ? { reason: reason.trim() } : {} });
            onRevoked(next);
          }}
        >
          Revoke
        </ConfirmButton>
      )}
    </div>
  );
}

/**
 * The request's run: each step with whom it asks (by name; a person away shows who decides for them),
 * its status, the active step, and every reviewer's result ("Dana for Bob approved …"). The requester
 * and admins reassign a pending step from here.
 */
function RunView({ approval: a, run, me, onChanged }: { approval: ApprovalDetail; run: Run; me: Me | null; onChanged(): void }) {
  const reassign = mayReassign(a).allowed;
  return (
    <section className="card" aria-labelledby="h-steps" data-testid="run">
      <h2 id="h-steps">
        Steps {a.is_sequential && <span className="small muted">(in order)</span>}
        {run.flow_id && <span className="small muted"> · flow version {run.flow_version}</span>}
      </h2>
      <ol className="stack" style={{ paddingLeft: '1.25rem' }}>
        {run.steps.map((s) => (
          <li key={s.id} data-testid="run-step" data-status={s.status} aria-current={run.active_step === s.step_order ? 'step' : undefined}>
            <div className="row">
              {s.name && <strong>{s.name}:</strong>}
              <span data-testid="step-approvers">
                {s.approvers.map((p, i) => (
                  <span key={`${p.type}:${p.id}`}>
                    {i > 0 && ', '}
                    {p.type === 'user' && p.id === me?.user?.id ? 'You' : p.type === 'team' ? `team ${p.name ?? 'no longer there'}` : (p.name ?? 'a former member')}
                  </span>
                ))}
                {quorumWords(s)}
              </span>
              <StatusBadge status={s.status} />
              {run.active_step === s.step_order && <span className="badge">active</span>}
            </div>
            {s.approvers
              .filter((p) => p.type === 'user' && p.delegated_to)
              .map((p) => (
                <div className="small muted" key={`away-${p.id}`} data-testid="delegation-note">
                  {p.name} is away until {formatDate(p.delegated_to!.until)}: {p.delegated_to!.id === me?.user?.id ? 'you decide' : `${p.delegated_to!.name ?? 'their delegate'} decides`} for them.
                </div>
              ))}
            {s.time_limit_seconds && s.status === 'pending' && <div className="small muted">Time limit once active: {Math.round(s.time_limit_seconds / 60)} min</div>}
            {s.results.length > 0 && <ResultList results={s.results} />}
            {reassign && s.status === 'pending' && <ReassignButton approvalId={a.id} step={s} me={me} onDone={onChanged} />}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Votes on a request without steps. */
function Results({ results }: { results: ReviewerResult[] }) {
  return (
    <section className="card" aria-labelledby="h-results">
      <h2 id="h-results">Reviewers</h2>
      <ResultList results={results} />
    </section>
  );
}

export function reviewerWords(r: ReviewerResult): string {
  const who = principalLabel({ type: r.reviewer.type, name: r.reviewer.name });
  return r.on_behalf_of ? `${who} for ${r.on_behalf_of.name ?? 'a member'}` : who;
}

function ResultList({ results }: { results: ReviewerResult[] }) {
  return (
    <ul className="result-list" data-testid="results">
      {results.map((r) => (
        <li key={`${r.reviewer.id}:${r.step_order}:${r.decided_at}`}>
          <strong>{reviewerWords(r)}</strong> {r.result}{' '}
          <time className="muted" dateTime={r.decided_at} title={formatDate(r.decided_at)}>
            {fromNow(r.decided_at)}
          </time>
          {r.comment ? `: “${r.comment}”` : ''}
        </li>
      ))}
    </ul>
  );
}

/**
 * Reassign a pending step: to people (admins pick from the members; others from the members of the
 * teams, the names they can see) and/or teams, with a quorum.
 */
function ReassignButton({ approvalId, step, me, onDone }: { approvalId: string; step: RunStep; me: Me | null; onDone(): void }) {
  const [open, setOpen] = useState(false);
  const [people, setPeople] = useState<{ id: string; name: string }[]>([]);
  const [teams, setTeams] = useState<{ id: string; name: string }[]>([]);
  const [userIds, setUserIds] = useState<string[]>([]);
  const [teamIds, setTeamIds] = useState<string[]>([]);
  const [quorum, setQuorum] = useState<string>(String(step.quorum));
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!open) return;
    const ctl = new AbortController();
    void (async () => {
      try {
        const t = await api('listTeams', {}, { signal: ctl.signal });
        setTeams(t.data.map((x) => ({ id: x.id, name: x.name })));
        if (me?.user?.role === 'admin') {
          const m = await api('listMembers', {}, { signal: ctl.signal });
          setPeople(m.data.filter((x) => x.role !== 'viewer').map((x) => ({ id: x.user_id, name: x.name ?? x.email })));
        } else {
          const seen = new Map<string, string>();
          for (const team of t.data) for (const member of team.members) seen.set(member.user_id, member.name);
          setPeople([...seen].map(([id, name]) => ({ id, name })));
        }
      } catch (err) {
        if (!ctl.signal.aborted) setError(err);
      }
    })();
    return () => ctl.abort();
  }, [open, me]);
  if (!open) {
    return (
      <div>
        <button type="button" className="secondary small" onClick={() => setOpen(true)} data-testid="reassign-open">
          Reassign step {step.step_order}
        </button>
      </div>
    );
  }
  return (
    <form
      className="stack card"
      data-testid="reassign-form"
      aria-label={`Reassign step ${step.step_order}`}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          const q: StepQuorum = quorum === 'all' ? 'all' : Number(quorum);
          await api('reassignStep', {
            params: { id: approvalId, stepId: step.id },
            body: { user_ids: userIds, team_ids: teamIds, quorum: q, ...(comment.trim() ? { comment: comment.trim() } : {}) },
          });
          setOpen(false);
          onDone();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <fieldset>
        <legend>People</legend>
        <PickList options={people} picked={userIds} onChange={setUserIds} empty="Nobody to choose from." />
      </fieldset>
      <fieldset>
        <legend>Teams</legend>
        <PickList options={teams} picked={teamIds} onChange={setTeamIds} empty="No teams yet." />
      </fieldset>
      <label>
        How many must approve
        <QuorumSelect value={quorum} onChange={setQuorum} />
      </label>
      <label>
        Why (kept on the request)
        <input value={comment} maxLength={10_000} onChange={(e) => setComment(e.target.value)} />
      </label>
      <ErrorMessage error={error} />
      <div className="row">
        <button type="submit" disabled={busy || userIds.length + teamIds.length === 0}>
          {busy ? 'Reassigning…' : 'Reassign'}
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** "(2 of them)" / "(all of them)" where a step asks several people; nothing for one person. */
function quorumWords(s: Step): string {
  const one = s.approvers.length === 1 && s.approvers[0]!.type === 'user';
  if (one) return '';
  return s.quorum === 'all' ? ' (all of them)' : ` (${s.quorum} of them)`;
}

const isRouting = (v: unknown): v is { rule_name: string } => typeof v === 'object' && v !== null && typeof (v as { rule_name?: unknown }).rule_name === 'string';

/** "Bob, team Oncall" from the names a step event recorded; null when it recorded none. */
function askedWords(side: unknown): string | null {
  const approvers = (side as { approvers?: { type: string; name: string | null }[] } | null)?.approvers;
  if (!Array.isArray(approvers)) return null;
  return approvers.map((p) => (p.type === 'team' ? `team ${p.name ?? 'no longer there'}` : (p.name ?? 'a former member'))).join(', ') || 'nobody';
}

/** What an event says; a step's also which step, how, and for a reassignment from whom to whom. */
function eventWords(e: ApprovalEvent): string {
  const order = typeof e.data.step_order === 'number' ? ` ${e.data.step_order}` : '';
  const decision = typeof e.data.decision === 'string' ? e.data.decision : null;
  const override = e.data.admin_override === true ? ' (admin override)' : '';
  if (e.type === 'step.vote_recorded') return `voted on step${order}${decision ? ` (${decision})` : ''}${override}`;
  if (e.type === 'step.decided') return `${decision === 'reject' ? 'rejected' : 'approved'} step${order}${override}`;
  if (e.type === 'steps.configured' && isRouting(e.data.unrouted)) return `configured the steps, in place of the rule “${e.data.unrouted.rule_name}”`;
  if (e.type === 'step.reassigned') {
    const [from, to] = [askedWords(e.data.from), askedWords(e.data.to)];
    return `reassigned step${order}${from !== null && to !== null ? ` from ${from} to ${to}` : ''}`;
  }
  return EVENT_WORDS[e.type];
}

const EVENT_WORDS: Record<ApprovalEvent['type'], string> = {
  'approval.created': 'requested this',
  'approval.vote_recorded': 'voted',
  'approval.approved': 'approved',
  'approval.rejected': 'rejected',
  'approval.cancelled': 'cancelled',
  'approval.expired': 'expired',
  'comment.created': 'commented',
  'steps.configured': 'configured the steps',
  'step.decided': 'decided a step',
  'approval.execution_reported': 'reported the execution',
  'approval.revoked': 'revoked the approval',
  'approval.waiter_gone': 'found nobody waiting for the answer',
  'approval.waiter_returned': 'found the automation waiting again',
  'step.vote_recorded': 'voted on a step',
  'step.escalated': 'escalated a step that waited too long',
  'step.reassigned': 'reassigned a step',
  'delivery.failed': 'delivery failed',
  'emergency_stop.changed': 'turned the emergency stop on or off',
};

function Timeline({ events }: { events: ApprovalEvent[] }) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  const withSteps = events.some((e) => e.type === 'step.decided');
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e) => {
        const comment = typeof e.data.comment === 'string' && e.data.comment ? e.data.comment : null;
        const decision = typeof e.data.decision === 'string' ? e.data.decision : null;
        const forWhom = (e.data.on_behalf_of as { name?: string | null } | undefined)?.name ?? null;
        return (
          <li key={e.id} data-type={e.type}>
            <div>
              <strong>
                {e.type === 'approval.expired' ? 'Greenlight' : principalLabel(e.actor)}
                {forWhom ? ` for ${forWhom}` : ''}
              </strong>{' '}
              {eventWords(e)}
              {e.type === 'approval.vote_recorded' && decision ? ` (${decision})` : ''}
              {e.type === 'approval.execution_reported' && typeof e.data.status === 'string' ? `: ${e.data.status}` : ''}
              {e.type === 'approval.created' && isRouting(e.data.routing) ? ` (routed by the rule “${e.data.routing.rule_name}”)` : ''}
            </div>
            {comment && <div className="small">“{comment}”</div>}
            {/* With steps, the final step's event already shows the answer the approval repeats. */}
            {!(e.type === 'approval.approved' && withSteps) && <VoteAnswer data={e.data} />}
            <time className="small muted" dateTime={e.created_at} title={formatDate(e.created_at)}>
              {fromNow(e.created_at)}
            </time>
          </li>
        );
      })}
    </ol>
  );
}

function Comments({ approvalId, comments, onAdded }: { approvalId: string; comments: Comment[]; onAdded(): void }) {
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <section className="card" aria-labelledby="h-comments">
      <h2 id="h-comments">Comments ({comments.length})</h2>
      {comments.length > 0 && (
        <ul className="comments">
          {comments.map((c) => (
            <li key={c.id}>
              <div className="small">
                <strong>{principalLabel(c.author)}</strong>{' '}
                <time className="muted" dateTime={c.created_at}>
                  {fromNow(c.created_at)}
                </time>
              </div>
              <div style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{c.body}</div>
            </li>
          ))}
        </ul>
      )}
      <form
        className="stack"
        style={{ marginTop: '0.75rem' }}
        onSubmit={async (e) => {
          e.preventDefault();
          if (!body.trim()) return;
          setBusy(true);
          setError(undefined);
          try {
            await api('createComment', { params: { id: approvalId }, body: { body } });
            setBody('');
            onAdded();
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label htmlFor="new-comment">Add a comment</label>
        <textarea id="new-comment" value={body} maxLength={10_000} onChange={(e) => setBody(e.target.value)} />
        <ErrorMessage error={error} />
        <div>
          <button type="submit" disabled={busy || !body.trim()}>
            {busy ? 'Posting…' : 'Post comment'}
          </button>
        </div>
      </form>
    </section>
  );
}

/** "update of Credit Score Rule (qualificationRule qr_001)"; without an entity action, "user 4821 (Jane Doe)". */
export function entityChange(a: Pick<Approval, 'resource' | 'action'>): string {
  const r = a.resource;
  if (!r) return '';
  if (!a.action) return `${r.type} ${r.id}${r.name ? ` (${r.name})` : ''}`;
  return r.name ? `${a.action} of ${r.name} (${r.type} ${r.id})` : `${a.action} of ${r.type} ${r.id}`;
}
