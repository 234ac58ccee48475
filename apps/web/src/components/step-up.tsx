import { useState } from 'react';
import type { Approval } from '@greenlight/contract';
import { api } from '../api/client.ts';
import { stepUpWithPasskey } from '../lib/webauthn.ts';
import { ErrorMessage } from './bits.tsx';
import { handleLinkClick } from '../lib/router.ts';

/**
 * Shown where viewer_can refuses a decision with `step_up_required`: confirms this session with a
 * passkey, then reads the request again, whose viewer_can now offers the decision buttons.
 */
export function StepUpButton({ approval, onConfirmed }: { approval: Approval; onConfirmed(a: Approval): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await stepUpWithPasskey();
      onConfirmed(await api('getApproval', { params: { id: approval.id } }));
    } catch (err) {
      setError(err instanceof Error && err.name === 'NotAllowedError' ? new Error('The passkey confirmation was cancelled or timed out.') : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack" data-testid="step-up">
      <div>
        <button type="button" className="primary" disabled={busy} onClick={() => void confirm()}>
          {busy ? 'Waiting for your passkey…' : 'Confirm with your passkey'}
        </button>
      </div>
      <p className="small muted">
        No passkey yet? Register one under{' '}
        <a href="/settings" onClick={handleLinkClick}>
          Organization → Passkeys
        </a>
        .
      </p>
      <ErrorMessage error={error} />
    </div>
  );
}
