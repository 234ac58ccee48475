import { useState, type ReactNode } from 'react';
import { ConfirmButton, ErrorMessage, SubmitButton } from './bits.tsx';
import { formatDate, fromNow } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';

interface Link {
  linked: boolean;
  linked_at?: string | null;
}

interface LinkCode {
  code: string;
  expires_at: string;
}

/**
 * The signed-in person's account on a chat whose people act through linked accounts (Telegram,
 * Discord, Microsoft Teams): linked to which account, unlinked on request, or linked with a one-time
 * code the person sends from the chat. Each chat says only its words and its three calls.
 */
export function LinkedAccountCard<L extends Link, C extends LinkCode>(props: {
  /** The chat's name in ids and test ids (`h-my-<slug>`, `<slug>-linked`, `<slug>-code`, `<slug>-not-linked`). */
  slug: string;
  /** The chat's name for people. */
  name: string;
  load: (signal: AbortSignal) => Promise<L>;
  createCode: () => Promise<C>;
  unlink: () => Promise<L>;
  /** The linked account, as the chat names it. */
  account: (link: L) => string;
  /** What comes there once linked, and what an unlinked account's actions then do. */
  linkedNote: string;
  unlinkNote: string;
  /** How a person links, before and after a code is made (the code in a `<code data-testid="<slug>-code">`). */
  notLinked: string;
  howToSend: (code: C, codeElement: (text: string) => ReactNode) => ReactNode;
  sentLabel: string;
}) {
  const { slug, name } = props;
  const link = useResource(`my-${slug}-link`, props.load);
  const [code, setCode] = useState<C | null>(null);
  const create = useSubmit(async () => setCode(await props.createCode()));
  const current = link.data;
  return (
    <section className="card" aria-labelledby={`h-my-${slug}`}>
      <h2 id={`h-my-${slug}`}>Your {name}</h2>
      <ErrorMessage error={link.error} />
      {current &&
        (current.linked ? (
          <>
            <p>
              Linked to <strong data-testid={`${slug}-linked`}>{props.account(current)}</strong>
              {current.linked_at ? ` since ${formatDate(current.linked_at)}` : ''}: {props.linkedNote}
            </p>
            <ConfirmButton
              title={`Unlink ${name}?`}
              body={<p>{props.unlinkNote}</p>}
              confirmLabel="Unlink"
              onConfirm={async () => {
                const next = await props.unlink();
                link.set(() => next);
                setCode(null);
              }}
            >
              Unlink {name}
            </ConfirmButton>
          </>
        ) : (
          <>
            <p data-testid={`${slug}-not-linked`}>{props.notLinked}</p>
            {code ? (
              <div className="stack">
                <p>
                  {props.howToSend(code, (text) => <code data-testid={`${slug}-code`}>{text}</code>)} The code works once, until {formatDate(code.expires_at)} (
                  {fromNow(code.expires_at)}).
                </p>
                <button type="button" onClick={() => link.reload()}>
                  {props.sentLabel}
                </button>
              </div>
            ) : (
              <form onSubmit={create.onSubmit}>
                <ErrorMessage error={create.error} />
                <SubmitButton busy={create.busy} label="Create a link code" busyLabel="Creating…" />
              </form>
            )}
          </>
        ))}
    </section>
  );
}
