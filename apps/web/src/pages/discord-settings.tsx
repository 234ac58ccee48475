import { api, type ApiOutput } from '../api/client.ts';
import { CopyButton } from '../components/bits.tsx';
import { ChatAppCard } from '../components/chat-app-card.tsx';
import { LinkedAccountCard } from '../components/linked-account.tsx';

type Discord = ApiOutput<'getDiscordSettings'>;

/**
 * The org's Discord application (admins): connect it with its id, public key and bot token (and a
 * channel for every request), see its Interactions Endpoint URL, remove it. The token is write-only,
 * so connecting again asks for it again.
 */
export function DiscordSettings({ onChange }: { onChange?: () => void }) {
  return (
    <ChatAppCard<Discord>
      slug="discord"
      name="Discord"
      load={(signal) => api('getDiscordSettings', {}, { signal })}
      save={(v) =>
        api('updateDiscordSettings', {
          body: {
            application_id: v.application_id as string,
            public_key: v.public_key as string,
            bot_token: v.bot_token as string,
            channel_id: (v.channel_id as string) || null,
          },
        })
      }
      remove={() => api('deleteDiscordSettings', {})}
      status={(current) => (
        <>
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
        </>
      )}
      setup={(current) =>
        current.interactions_url && (
          <p className="muted">
            In Discord&apos;s developer portal, set the application&apos;s Interactions Endpoint URL to{' '}
            <code data-testid="discord-interactions-url">{current.interactions_url}</code> <CopyButton text={current.interactions_url} />
          </p>
        )
      }
      fields={[
        { kind: 'text', key: 'application_id', label: 'Application ID', placeholder: 'General Information → Application ID', saved: (c) => c.application_id, required: true, inputMode: 'numeric' },
        { kind: 'text', key: 'public_key', label: 'Public key', placeholder: 'General Information → Public Key (64 hexadecimal characters)', required: true },
        {
          kind: 'secret',
          key: 'bot_token',
          label: 'Discord bot token',
          placeholder: (c) => (c.bot_token.configured ? 'set: enter it again to replace the application' : 'Bot → Reset Token'),
          required: () => true,
        },
        { kind: 'text', key: 'channel_id', label: 'Channel ID (optional)', placeholder: 'a channel the bot may write to; empty: direct messages only', saved: (c) => c.channel_id, inputMode: 'numeric' },
      ]}
      saveLabel={(c) => (c.configured ? 'Replace the application' : 'Connect Discord')}
      disconnect={{
        label: 'Disconnect Discord',
        title: 'Disconnect Discord?',
        confirmLabel: 'Disconnect',
        body: 'Nothing more is sent to Discord, and the buttons of messages already sent stop working.',
      }}
      onChange={onChange}
    />
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
