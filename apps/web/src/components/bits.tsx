import { useEffect, useId, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import type { Approval } from '@greenlight/contract';
import { expiryLabel } from '../lib/format.ts';
import { plainWords } from '../lib/plain-words.ts';
import type { Submit } from '../lib/use-submit.ts';
import { ROLES } from '../api/contract-values.ts';

export function PriorityBadge({ priority }: { priority: Approval['priority'] }) {
  return <span className={`badge priority-${priority}`}>{priority} priority</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status} state-${status}`}>{status}</span>;
}

/** Time left before expiry, re-rendered every 30 s so the countdown stays true. */
export function ExpiryBadge({ expiresAt, status }: { expiresAt: string | null; status: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!expiresAt || status !== 'pending') return;
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, [expiresAt, status]);
  const label = status === 'pending' ? expiryLabel(expiresAt, now) : null;
  if (!label) return null;
  return <span className={`badge ${label.soon || label.past ? 'expiring' : ''}`}>{label.text}</span>;
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const words = plainWords(error);
  if (!words) return null;
  return (
    <p className="alert error" role="alert">
      {words}
    </p>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        } catch {
          // Clipboard refused (insecure origin, permissions): the text stays selectable on screen.
          setCopied(false);
        }
      }}
    >
      {copied ? 'Copied' : label}
      <span className="visually-hidden" aria-live="polite">
        {copied ? 'copied to the clipboard' : ''}
      </span>
    </button>
  );
}

/**
 * A confirmation with the native <dialog>: focus moves into it, Escape cancels, and focus returns
 * to the button that opened it.
 */
export function ConfirmButton(props: {
  children: ReactNode;
  title: string;
  body: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  className?: string;
  disabled?: boolean;
  onConfirm(): Promise<void> | void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const titleId = useId();
  return (
    <>
      <button
        type="button"
        className={props.className}
        disabled={props.disabled}
        onClick={() => {
          setError(undefined);
          dialog.current?.showModal();
        }}
      >
        {props.children}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <h2 id={titleId}>{props.title}</h2>
        <div>{props.body}</div>
        <ErrorMessage error={error} />
        <div className="row" style={{ justifyContent: 'flex-end', marginTop: '1rem' }}>
          <button type="button" onClick={() => dialog.current?.close()} autoFocus>
            Cancel
          </button>
          <button
            type="button"
            className={props.danger ? 'danger' : 'primary'}
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await props.onConfirm();
                dialog.current?.close();
              } catch (err) {
                setError(err);
              } finally {
                setBusy(false);
              }
            }}
          >
            {props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}

/** A table of records: its column headings, and an unlabelled last column for each row's actions. */
export function DataTable(props: {
  columns: ReactNode[];
  actions?: boolean;
  caption?: string;
  testId?: string;
  style?: CSSProperties;
  children: ReactNode;
}) {
  return (
    <table className="data" data-testid={props.testId} style={props.style}>
      {props.caption && <caption className="visually-hidden">{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((c, i) => (
            <th scope="col" key={i}>
              {c}
            </th>
          ))}
          {props.actions && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

/** A form's submit button, which says what it is doing while the form is sent. */
export function SubmitButton({ busy, disabled, label, busyLabel }: { busy: boolean; disabled?: boolean; label: string; busyLabel: string }) {
  return (
    <div>
      <button type="submit" className="primary" disabled={busy || disabled}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}

/** The end of a settings form: its submit button, "Saved." once it saved, and why it was refused. */
export function SaveFooter({ submit, label }: { submit: Submit; label: string }) {
  return (
    <>
      <SubmitButton busy={submit.busy} label={label} busyLabel="Saving…" />
      {submit.saved && (
        <p role="status" className="muted">
          Saved.
        </p>
      )}
      <ErrorMessage error={submit.error} />
    </>
  );
}

/** The options of a role picker: the contract's roles, in its order. */
export function RoleOptions() {
  return (
    <>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </>
  );
}
