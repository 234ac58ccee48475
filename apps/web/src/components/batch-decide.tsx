import { useId, useRef, useState } from 'react';
import type { Approval, BatchDecideItem, Decision } from '@greenlight/contract';
import { api, ApiError } from '../api/client.ts';
import { plainWords } from '../lib/plain-words.ts';
import { ErrorMessage } from './bits.tsx';

/** Most requests one call decides (the contract's BATCH_DECIDE_MAX; the server refuses more). */
export const BATCH_MAX = 50;

const VERB: Record<Decision, { label: string; doing: string; done: string }> = {
  approve: { label: 'Approve', doing: 'Approving…', done: 'approved' },
  reject: { label: 'Reject', doing: 'Rejecting…', done: 'rejected' },
};

/** What one result means, in the words of a single decision's answer. */
function resultWords(r: BatchDecideItem): { ok: boolean; text: string } {
  if (r.outcome === 'recorded') {
    const a = r.approval;
    if (a.status === 'pending') return { ok: true, text: `Vote recorded (${a.current_approvals} of ${a.required_approvals} approvals); still pending` };
    return { ok: true, text: a.status === 'approved' ? 'Approved' : 'Rejected' };
  }
  return { ok: false, text: plainWords(new ApiError(r.status, r.error.code, r.error.message, r.error.details, undefined)) };
}

/**
 * "Approve selected" / "Reject selected": a confirmation dialog that lists every request the decision
 * will go to (and the comment sent with it), then one POST /api/v1/approvals/batch-decide and the
 * result of each request. Nothing is sent before the confirmation.
 */
export function BatchDecideBar({
  selected,
  onDone,
  onClear,
}: {
  selected: Approval[];
  onDone(results: BatchDecideItem[]): void;
  onClear(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const commentId = useId();
  const [decision, setDecision] = useState<Decision>('approve');
  // What the dialog shows is fixed when it opens: live updates of the inbox do not change what is confirmed.
  const [confirming, setConfirming] = useState<Approval[]>([]);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [results, setResults] = useState<BatchDecideItem[] | null>(null);

  const open = (d: Decision) => {
    setDecision(d);
    setConfirming(selected.slice(0, BATCH_MAX));
    setComment('');
    setError(undefined);
    setResults(null);
    dialog.current?.showModal();
  };

  const send = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api('batchDecideApprovals', {
        body: { ids: confirming.map((a) => a.id), decision, source: 'dashboard', ...(comment.trim() ? { comment: comment.trim() } : {}) },
      });
      setResults(answer.data);
      onDone(answer.data);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const verb = VERB[decision];
  const n = confirming.length;
  const titleOf = new Map(confirming.map((a) => [a.id, a.title]));
  const recorded = results?.filter((r) => r.outcome === 'recorded').length ?? 0;

  return (
    <div className="batch-bar" role="toolbar" aria-label="Decide on the selected requests">
      <span className="small" aria-live="polite">
        {selected.length} selected{selected.length > BATCH_MAX ? ` (the first ${BATCH_MAX} are decided at a time)` : ''}
      </span>
      <button type="button" className="primary" disabled={selected.length === 0} onClick={() => open('approve')}>
        Approve selected
      </button>
      <button type="button" className="danger" disabled={selected.length === 0} onClick={() => open('reject')}>
        Reject selected
      </button>
      <button type="button" disabled={selected.length === 0} onClick={onClear}>
        Clear selection
      </button>

      <dialog ref={dialog} aria-labelledby={titleId} className="batch-dialog" data-testid="batch-dialog">
        {results === null ? (
          <>
            <h2 id={titleId}>
              {verb.label} {n} request{n === 1 ? '' : 's'}?
            </h2>
            <p className="small muted">
              Each request is decided on its own, with the same rules as deciding it from its page: any that can’t be {verb.done} by you (decided
              already, your own request, waiting on someone else’s step, expired) is left as it is and listed afterwards.
            </p>
            <ul className="batch-list" aria-label={`Requests to ${decision}`}>
              {confirming.map((a) => (
                <li key={a.id}>
                  <strong>{verb.label}</strong> · {a.title}
                  {a.required_approvals > 1 && (
                    <span className="muted small">
                      {' '}
                      (your vote: {a.current_approvals + 1} of {a.required_approvals} approvals)
                    </span>
                  )}
                </li>
              ))}
            </ul>
            <label htmlFor={commentId}>
              Comment <span className="muted small">(optional, sent with every decision)</span>
            </label>
            <textarea id={commentId} name="comment" value={comment} maxLength={10_000} onChange={(e) => setComment(e.target.value)} />
            <ErrorMessage error={error} />
            <div className="decision-bar">
              <button type="button" className={decision === 'approve' ? 'primary' : 'danger'} disabled={busy || n === 0} onClick={send}>
                {busy ? verb.doing : `${verb.label} ${n}`}
              </button>
              <button type="button" disabled={busy} onClick={() => dialog.current?.close()}>
                Cancel
              </button>
            </div>
          </>
        ) : (
          <>
            <h2 id={titleId}>
              {recorded} of {results.length} {verb.done === 'approved' ? 'approvals' : 'rejections'} recorded
            </h2>
            <ul className="batch-list" aria-label="Results" data-testid="batch-results">
              {results.map((r) => {
                const w = resultWords(r);
                return (
                  <li key={r.id} className={w.ok ? 'ok' : 'refused'} data-id={r.id}>
                    <span className={`badge ${w.ok ? 'state-approved' : 'state-failed'}`}>{w.ok ? 'done' : 'not changed'}</span> {titleOf.get(r.id) ?? r.id}:{' '}
                    {w.text}
                  </li>
                );
              })}
            </ul>
            <div className="row" style={{ justifyContent: 'flex-end' }}>
              <button type="button" className="primary" onClick={() => dialog.current?.close()}>
                Close
              </button>
            </div>
          </>
        )}
      </dialog>
    </div>
  );
}
