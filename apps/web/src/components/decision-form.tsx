import { useEffect, useId, useRef, useState } from 'react';
import type { Approval, Decision } from '@greenlight/contract';
import { api, ApiError, type ApiOutput } from '../api/client.ts';
import { answerOfControl, asksForInput, editInitial, editOfControl, initialValue, loadAnswers, refusalProblems, valueAtContentPath, type AnswersModule } from '../lib/answers.ts';
import { AnswerFields, answerInputId, editInputId, type AnswerProblems, type AnswerState } from './answer-form.tsx';
import { ErrorMessage } from './bits.tsx';

export type DecisionResult = ApiOutput<'decideApproval'>;

const NO_PROBLEMS: AnswerProblems = { answers: {}, edits: {} };

/** The controls' starting values: each field's default, each editable value as requested. */
function startState(a: Approval, mod: AnswersModule): AnswerState {
  const answers = a.response_schema ? Object.fromEntries(mod.answerFields(a.response_schema).map(({ name, field }) => [name, initialValue(field)])) : {};
  const edits = Object.fromEntries((a.editable ?? []).map((path) => [path, editInitial(valueAtContentPath(a, path))]));
  return { answers, edits };
}

/**
 * The answer and edits the form holds, checked by the contract's own functions (as the server will):
 * either what to send, or the problem at each field.
 */
function collect(a: Approval, mod: AnswersModule, state: AnswerState): { ok: true; response?: Record<string, unknown>; edits?: Record<string, unknown> } | { ok: false; problems: AnswerProblems } {
  const problems: AnswerProblems = { answers: {}, edits: {} };
  let response: Record<string, unknown> | undefined;
  if (a.response_schema) {
    response = {};
    for (const { name, required, field } of mod.answerFields(a.response_schema)) {
      const v = answerOfControl(field, state.answers[name] ?? initialValue(field), required);
      if (v !== undefined) response[name] = v;
    }
    const checked = mod.checkAnswer(a.response_schema, response);
    if (!checked.ok) for (const p of checked.problems) problems.answers[p.field] ??= p.reason;
  }
  const edits: Record<string, unknown> = {};
  for (const path of a.editable ?? []) {
    const before = valueAtContentPath(a, path);
    const v = editOfControl(before, state.edits[path] ?? editInitial(before));
    if (!v.ok) problems.edits[path] = v.reason;
    else if (JSON.stringify(v.value) !== JSON.stringify(before)) edits[path] = v.value;
  }
  const checkedEdits = mod.checkEdits({ metadata: a.metadata, changes: a.changes }, a.editable ?? [], edits);
  if (!checkedEdits.ok) for (const p of checkedEdits.problems) problems.edits[p.field] ??= p.reason;
  if (Object.keys(problems.answers).length + Object.keys(problems.edits).length > 0) return { ok: false, problems };
  return { ok: true, ...(response && { response }), ...(Object.keys(edits).length > 0 && { edits }) };
}

/** Approve or reject with an optional comment: one PATCH /api/v1/approvals/:id. */
export function DecisionForm({
  approval,
  onDecided,
  autoFocus,
  canApprove = true,
}: {
  approval: Approval;
  onDecided(result: DecisionResult): void;
  autoFocus?: boolean;
  /** False when the viewer may reject but not approve (viewer_can: the requester withdrawing their own request). */
  canApprove?: boolean;
}) {
  const id = useId();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<Decision | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [grantOn, setGrantOn] = useState(false);
  const [grantSeconds, setGrantSeconds] = useState(3600);
  const [grantUses, setGrantUses] = useState('');
  const [grantSession, setGrantSession] = useState(false);
  const [grantActionType, setGrantActionType] = useState('');
  // Offered only where the server says this viewer may give one (viewer_can.grant), the rule its PATCH enforces.
  const grantable = canApprove && approval.viewer_can?.grant?.allowed === true;
  const session = [approval.metadata.session_id, approval.metadata.run_id].find((v) => typeof v === 'string' && v !== '') as string | undefined;
  // A request that asks for an answer or edits is approved through its form (the contract's functions, loaded on demand).
  const asks = canApprove && asksForInput(approval);
  const [mod, setMod] = useState<AnswersModule | null>(null);
  const [answerState, setAnswerState] = useState<AnswerState | null>(null);
  const [problems, setProblems] = useState<AnswerProblems>(NO_PROBLEMS);
  const [problemCount, setProblemCount] = useState(0);
  const [focusFirst, setFocusFirst] = useState(0);
  useEffect(() => {
    if (!asks) return;
    let live = true;
    loadAnswers().then(
      (m) => {
        if (!live) return;
        setMod(m);
        setAnswerState((cur) => cur ?? startState(approval, m));
      },
      (err: unknown) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [asks, approval]);
  // After a refusal, the first field named (in the form's order) takes the focus, so a keyboard or screen reader lands on it.
  useEffect(() => {
    if (focusFirst === 0) return;
    const ids = [
      ...(approval.response_schema && mod ? mod.answerFields(approval.response_schema).filter((f) => problems.answers[f.name]).map((f) => answerInputId(id, f.name)) : []),
      ...(approval.editable ?? []).filter((p) => problems.edits[p]).map((p) => editInputId(id, p)),
    ];
    const first = ids.map((i) => document.getElementById(i)).find((el) => el !== null);
    first?.focus();
  }, [focusFirst]);

  const showProblems = (p: AnswerProblems) => {
    setProblems(p);
    setProblemCount(Object.keys(p.answers).length + Object.keys(p.edits).length);
    setFocusFirst((n) => n + 1);
  };

  const decide = async (decision: Decision) => {
    let answer: { response?: Record<string, unknown>; edits?: Record<string, unknown> } = {};
    if (decision === 'approve' && asks) {
      if (!mod || !answerState) return;
      const collected = collect(approval, mod, answerState);
      if (!collected.ok) {
        setError(undefined);
        showProblems(collected.problems);
        return;
      }
      answer = { ...(collected.response && { response: collected.response }), ...(collected.edits && { edits: collected.edits }) };
    }
    setBusy(decision);
    setError(undefined);
    setProblems(NO_PROBLEMS);
    setProblemCount(0);
    try {
      const result = await api('decideApproval', {
        params: { id: approval.id },
        body: {
          decision,
          source: 'dashboard',
          ...answer,
          ...(comment.trim() ? { comment: comment.trim() } : {}),
          ...(decision === 'approve' &&
            grantable &&
            grantOn && {
              grant: {
                ...(approval.action_type === null && grantActionType.trim() !== '' && { action_type: grantActionType.trim() }),
                expires_in_seconds: grantSeconds,
                agent_session: grantSession,
                ...(grantUses.trim() !== '' && { max_uses: Number(grantUses) }),
              },
            }),
        },
      });
      setComment('');
      onDecided(result);
    } catch (err) {
      // The server's refusal of an answer names its fields: shownValue at each, as the browser's own check would.
      const named = err instanceof ApiError && err.status === 400 ? refusalProblems(err.details) : NO_PROBLEMS;
      if (Object.keys(named.answers).length + Object.keys(named.edits).length > 0) showProblems(named);
      else setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <form className="stack" onSubmit={(e) => e.preventDefault()} aria-label={`Decide on ${approval.title}`}>
      {asks &&
        (mod && answerState ? (
          <AnswerFields formId={id} approval={approval} mod={mod} state={answerState} problems={problems} onChange={setAnswerState} />
        ) : (
          <p className="muted small">Loading the form…</p>
        ))}
      <p className={problemCount > 0 ? 'alert error small' : 'visually-hidden'} aria-live="assertive" data-testid="answer-problems">
        {problemCount > 0 ? `Nothing was decided: ${problemCount === 1 ? 'one field needs' : `${problemCount} fields need`} your attention.` : ''}
      </p>
      <label htmlFor={`${id}-comment`}>
        Decision comment <span className="muted small">(optional, sent with the decision)</span>
      </label>
      <textarea
        id={`${id}-comment`}
        name="comment"
        value={comment}
        maxLength={10_000}
        onChange={(e) => setComment(e.target.value)}
        autoFocus={autoFocus}
      />
      {canApprove && approval.viewer_can?.grant && !approval.viewer_can.grant.allowed && (
        <p className="small muted" data-testid="grant-refusal">
          No standing grant with this approval: {approval.viewer_can.grant.reason ?? 'not allowed'}.
        </p>
      )}
      {grantable && (
        <fieldset className="small" data-testid="grant-options">
          <label className="inline">
            <input type="checkbox" name="grant" checked={grantOn} onChange={(e) => setGrantOn(e.target.checked)} /> And approve the same without asking:{' '}
            {approval.action_type !== null && <span className="mono">{approval.action_type}</span>} from {approval.requested_by.name ?? 'this connection'}
          </label>
          {grantOn && (
            <div className="row">
              {approval.action_type === null && (
                <>
                  <label htmlFor={`${id}-grant-action`}>action types</label>
                  <input id={`${id}-grant-action`} required placeholder="deploy.*" value={grantActionType} onChange={(e) => setGrantActionType(e.target.value)} style={{ width: '10rem' }} />
                </>
              )}
              <label htmlFor={`${id}-grant-for`}>for</label>
              <select id={`${id}-grant-for`} value={grantSeconds} onChange={(e) => setGrantSeconds(Number(e.target.value))}>
                <option value={3600}>the next hour</option>
                <option value={8 * 3600}>the next 8 hours</option>
                <option value={86_400}>the next day</option>
                <option value={7 * 86_400}>the next week</option>
              </select>
              <label htmlFor={`${id}-grant-uses`}>at most</label>
              <input
                id={`${id}-grant-uses`}
                type="number"
                min={1}
                max={10_000}
                placeholder="any number of"
                value={grantUses}
                onChange={(e) => setGrantUses(e.target.value)}
                style={{ width: '8rem' }}
              />
              <span>times</span>
              {session && (
                <label className="inline">
                  <input type="checkbox" checked={grantSession} onChange={(e) => setGrantSession(e.target.checked)} /> only this agent session (
                  <span className="mono">{session}</span>)
                </label>
              )}
            </div>
          )}
        </fieldset>
      )}
      <ErrorMessage error={error} />
      <div className="decision-bar">
        {canApprove && (
          <button type="button" className="primary" disabled={busy !== null} onClick={() => decide('approve')}>
            {busy === 'approve' ? 'Approving…' : 'Approve'}
          </button>
        )}
        <button type="button" className="danger" disabled={busy !== null} onClick={() => decide('reject')}>
          {busy === 'reject' ? 'Rejecting…' : 'Reject'}
        </button>
      </div>
    </form>
  );
}

/** The inbox's quick decision: a dialog with the same form, so a mis-tap on a phone decides nothing. */
export function DecideDialogButton({ approval, onDecided }: { approval: Approval; onDecided(result: DecisionResult): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const titleId = useId();
  return (
    <>
      <button
        type="button"
        className="primary"
        onClick={() => {
          setOpen(true);
          dialog.current?.showModal();
        }}
        aria-label={`Decide: ${approval.title}`}
      >
        Decide
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} onClose={() => setOpen(false)}>
        <h2 id={titleId}>{approval.title}</h2>
        {open && (
          <DecisionForm
            approval={approval}
            autoFocus
            onDecided={(r) => {
              dialog.current?.close();
              onDecided(r);
            }}
          />
        )}
        <div className="row" style={{ justifyContent: 'flex-end', marginTop: '0.75rem' }}>
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}
