import { useId, useRef, useState } from 'react';
import type { Approval, Decision } from '@greenlight/contract';
import { api, type ApiOutput } from '../api/client.ts';
import { ErrorMessage } from './bits.tsx';

export type DecisionResult = ApiOutput<'decideApproval'>;

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

  const decide = async (decision: Decision) => {
    setBusy(decision);
    setError(undefined);
    try {
      const result = await api('decideApproval', {
        params: { id: approval.id },
        body: { decision, source: 'dashboard', ...(comment.trim() ? { comment: comment.trim() } : {}) },
      });
      setComment('');
      onDecided(result);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <form className="stack" onSubmit={(e) => e.preventDefault()} aria-label={`Decide on ${approval.title}`}>
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
