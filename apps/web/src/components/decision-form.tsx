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
  const [grantOn, setGrantOn] = useState(false);
  const [grantSeconds, setGrantSeconds] = useState(3600);
  const [grantUses, setGrantUses] = useState('');
  const [grantSession, setGrantSession] = useState(false);
  const [grantActionType, setGrantActionType] = useState('');
  // Offered only where the server says this viewer may give one (viewer_can.grant), the rule its PATCH enforces.
  const grantable = canApprove && approval.viewer_can?.grant?.allowed === true;
  const session = [approval.metadata.session_id, approval.metadata.run_id].find((v) => typeof v === 'string' && v !== '') as string | undefined;

  const decide = async (decision: Decision) => {
    setBusy(decision);
    setError(undefined);
    try {
      const result = await api('decideApproval', {
        params: { id: approval.id },
        body: {
          decision,
          source: 'dashboard',
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
