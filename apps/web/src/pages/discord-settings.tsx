import { useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { ConfirmButton, CopyButton, ErrorMessage, SaveFooter } from '../components/bits.tsx';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';
import { LinkedAccountCard } from '../components/linked-account.tsx';

type Discord = ApiOutput<'getDiscordSettings'>;

/**
 * The org's Discord application (admins): connect it with its id, public key and bot token (and a
 * channel for every request), see its Interactions Endpoint URL, remove it. The token is write-only,
 * so connecting again asks for it again.
 */
export function DiscordSettings({ onChange }: { onChange?: () => void }) {
  const settings = useResource('discord-settings', (signal) => api('getDiscordSettings', {}, { signal }));
  const [form, setForm] = useState({ application_id: '', public_key: '', bot_token: '', channel_id: '' });
  const current: Discord | undefined = settings.data;
  const done = (next: Discord) => {
    settings.set(() => next);
    setForm({ application_id: '', public_key: '', bot_token: '', channel_id: '' });
    onChange?.();
  };
  const submit = useSubmit(async () =>
    done(
      await api('updateDiscordSettings', {
        body: {
          application_id: (form.application_id.trim() || current?.application_id) ?? '',
          public_key: form.public_key.trim(),
          bot_token: form.bot_token.trim(),
          channel_id: form.channel_id.trim() || null,
        },
      }),
    ),
  );
  const field = (name: keyof typeof form) => ({ value: form[name], onChange: (e: { target: { value: string } }) => setForm((f) => ({ ...f, [name]: e.target.value })) });
  return (
    <section className="card" aria-labelledby="h-discord">
      <h2 id="h-discord">Discord</h2>
      <ErrorMessage error={settings.error} />
      {current && (
        <>
          <p>
            Discord is <strong data-testid="discord-configured">{current.configured ? 'connected' : 'not connected'}</strong>
            {current.configured && current.bot_username ? (
              <>
                {' '}
                through the bot <code data-testid="discord-bot">{current.bot_username}</code>
              </>
            ) : null}
            {current.channel_id ? (
              <>
                ; every request is posted to the channel <code data-testid="discord-channel">{current.channel_id}</code>
              </>
            ) : null}
            . Members link their own Discord account below; only linked accounts decide.
          </p>
          {current.interactions_url && (
            <p className="muted">
              In Discord&apos;s developer portal, set the application&apos;s Interactions Endpoint URL to{' '}
              <code data-testid="discord-interactions-url">{current.interactions_url}</code> <CopyButton text={current.interactions_url} />
            </p>
          )}
          <form className="stack" onSubmit={submit.onSubmit}>
            <label>
              Application ID
              <input autoComplete="off" inputMode="numeric" placeholder={current.application_id ?? 'General Information → Application ID'} {...field('application_id')} />
            </label>
            <label>
              Public key
              <input required autoComplete="off" placeholder="General Information → Public Key (64 hexadecimal characters)" {...field('public_key')} />
            </label>
            <label>
              Discord bot token
              <input required type="password" autoComplete="off" placeholder={current.bot_token.configured ? 'set: enter it again to replace the application' : 'Bot → Reset Token'} {...field('bot_token')} />
            </label>
            <label>
              Channel ID (optional)
              <input autoComplete="off" inputMode="numeric" placeholder="a channel the bot may write to; empty: direct messages only" {...field('channel_id')} />
            </label>
            <SaveFooter submit={submit} label={current.configured ? 'Replace the application' : 'Connect Discord'} />
          </form>
          {current.configured && (
            <ConfirmButton
              className="danger"
              title="Disconnect Discord?"
              body={<p>Nothing more is sent to Discord, and the buttons of messages already sent stop working.</p>}
              confirmLabel="Disconnect"
              danger
              onConfirm={async () => done(await api('deleteDiscordSettings', {}))}
            >
              Disconnect Discord
            </ConfirmButton>
          )}
        </>
      )}
    </section>
  );
}

/** The signed-in person's Discord account: link it with a one-time code given to the app's /link command, or unlink it. */
export function MyDiscordLink() {
  return (
    <LinkedAccountCard
      slug="discord"
      name="Discord"
      load={(signal) => api('getMyDiscordLink', {}, { signal })}
      createCode={() => api('createMyDiscordLinkCode', {})}
      unlink={() => api('deleteMyDiscordLink', {})}
      account={(l) => l.discord_username ?? 'a Discord account'}
      linkedNote="requests you are asked to decide come there with Approve and Reject buttons."
      unlinkNote="Nothing more is sent to that account, and its buttons decide nothing."
      notLinked="Not linked. Create a code, then run the app's /link command with it in Discord."
      howToSend={(code, codeElement) => (
        <>
          In Discord, run {codeElement(`/link code:${code.code}`)} <CopyButton text={`/link code:${code.code}`} />.
        </>
      )}
      sentLabel="I ran it: check again"
    />
  );
}
