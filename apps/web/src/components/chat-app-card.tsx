import { useId, useState, type ReactNode } from 'react';
import { ConfirmButton, ErrorMessage, SaveFooter } from './bits.tsx';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';

/** One input of a chat app's connect form. */
export type ChatAppField<S> =
  /** Write-only: never shown again; `placeholder` says whether one is set. */
  | { kind: 'secret'; key: string; label: string; placeholder: (current: S) => string; required: (current: S) => boolean }
  /** Shown with its saved value, which an edit replaces. */
  | { kind: 'text'; key: string; label: string; placeholder?: string; saved?: (current: S) => string | null | undefined; required?: boolean; inputMode?: 'numeric' }
  | { kind: 'checkbox'; key: string; label: string; saved: (current: S) => boolean };

/** What the form gives the app's save call: each field by key, text trimmed. */
export type ChatAppValues = Record<string, string | boolean>;

/**
 * An admin's card for the org's app on a chat (Slack, Telegram, Discord, Microsoft Teams): whether it
 * is connected and through what, where to point the chat's callbacks, the connect form, and the
 * disconnect button. Each chat gives only its words, its fields and its three calls.
 */
export function ChatAppCard<S extends { configured: boolean }>(props: {
  /** The chat's name in ids and test ids (`h-<slug>`, `<slug>-configured`). */
  slug: string;
  name: string;
  load: (signal: AbortSignal) => Promise<S>;
  save: (values: ChatAppValues, current: S) => Promise<S>;
  remove: () => Promise<S>;
  /** The words for `configured` (connected / configured), then what follows them in the status line. */
  state?: [connected: string, notConnected: string];
  status: (current: S) => ReactNode;
  /** Where to point the chat at Greenlight, once known. */
  setup: (current: S) => ReactNode;
  fields: ChatAppField<S>[];
  saveLabel: (current: S) => string;
  disconnect: { label: string; title: string; confirmLabel: string; body: string };
  onChange?: () => void;
}) {
  const id = useId();
  const settings = useResource(`${props.slug}-settings`, props.load);
  const [edits, setEdits] = useState<ChatAppValues>({});
  const current: S | undefined = settings.data;
  const value = (f: ChatAppField<S>, s: S): string | boolean =>
    edits[f.key] ?? (f.kind === 'checkbox' ? f.saved(s) : f.kind === 'text' ? (f.saved?.(s) ?? '') : '');
  const done = (next: S) => {
    settings.set(() => next);
    setEdits({});
    props.onChange?.();
  };
  const submit = useSubmit(async () => {
    const s = current!;
    const values = Object.fromEntries(props.fields.map((f) => {
      const v = value(f, s);
      return [f.key, typeof v === 'string' ? v.trim() : v];
    }));
    done(await props.save(values, s));
  });
  const set = (key: string) => (v: string | boolean) => setEdits((e) => ({ ...e, [key]: v }));
  const [connected, notConnected] = props.state ?? ['connected', 'not connected'];
  return (
    <section className="card" aria-labelledby={`h-${props.slug}`}>
      <h2 id={`h-${props.slug}`}>{props.name}</h2>
      <ErrorMessage error={settings.error} />
      {current && (
        <>
          <p>
            {props.name} is <strong data-testid={`${props.slug}-configured`}>{current.configured ? connected : notConnected}</strong>
            {props.status(current)}
          </p>
          {props.setup(current)}
          <form className="stack" onSubmit={submit.onSubmit}>
            {props.fields.map((f) => {
              const inputId = `${id}-${f.key}`;
              const v = value(f, current);
              if (f.kind === 'checkbox') {
                return (
                  <label key={f.key} htmlFor={inputId} className="checkbox">
                    <input id={inputId} type="checkbox" checked={v === true} onChange={(e) => set(f.key)(e.target.checked)} /> {f.label}
                  </label>
                );
              }
              return (
                <label key={f.key} htmlFor={inputId}>
                  {f.label}
                  <input
                    id={inputId}
                    autoComplete="off"
                    {...(f.kind === 'secret'
                      ? { type: 'password', placeholder: f.placeholder(current), required: f.required(current) }
                      : { placeholder: f.placeholder, required: f.required, inputMode: f.inputMode })}
                    value={v as string}
                    onChange={(e) => set(f.key)(e.target.value)}
                  />
                </label>
              );
            })}
            <SaveFooter submit={submit} label={props.saveLabel(current)} />
          </form>
          {current.configured && (
            <ConfirmButton
              className="danger"
              title={props.disconnect.title}
              body={<p>{props.disconnect.body}</p>}
              confirmLabel={props.disconnect.confirmLabel}
              danger
              onConfirm={async () => done(await props.remove())}
            >
              {props.disconnect.label}
            </ConfirmButton>
          )}
        </>
      )}
    </section>
  );
}

