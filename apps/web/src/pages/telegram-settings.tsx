import { api, type ApiOutput } from '../api/client.ts';
import { CopyButton } from '../components/bits.tsx';
import { ChatAppCard } from '../components/chat-app-card.tsx';
import { LinkedAccountCard } from '../components/linked-account.tsx';

type Telegram = ApiOutput<'getTelegramSettings'>;

/** The org's Telegram bot (admins): connect it with the token @BotFather gave, see its webhook, remove it. The token is write-only. */
export function TelegramSettings({ onChange }: { onChange?: () => void }) {
  return (
    <ChatAppCard<Telegram>
      slug="telegram"
      name="Telegram"
      load={(signal) => api('getTelegramSettings', {}, { signal })}
      save={(v) => api('updateTelegramSettings', { body: { bot_token: v.bot_token as string } })}
      remove={() => api('deleteTelegramSettings', {})}
      status={(current) => (
        <>
          {current.configured && current.bot_username ? (
            <>
              {' '}
              through the bot <code data-testid="telegram-bot">@{current.bot_username}</code>
            </>
          ) : null}
          . Members link their own Telegram account below; only linked accounts get requests and decide.
        </>
      )}
      setup={(current) =>
        current.webhook_url && (
          <p className="muted">
            Telegram posts the bot&apos;s updates to <code>{current.webhook_url}</code> with a secret Greenlight generated (set when you connect).
          </p>
        )
      }
      fields={[
        {
          kind: 'secret',
          key: 'bot_token',
          label: 'Token from @BotFather',
          placeholder: (c) => (c.bot_token.configured ? 'set: leave empty to keep it' : '123456:ABC… from @BotFather'),
          required: () => false,
        },
      ]}
      saveLabel={(c) => (c.configured ? 'Replace the bot' : 'Connect Telegram')}
      disconnect={{
        label: 'Disconnect Telegram',
        title: 'Disconnect Telegram?',
        confirmLabel: 'Disconnect',
        body: 'Nothing more is sent to Telegram, and the buttons of messages already sent stop working.',
      }}
      onChange={onChange}
    />
  );
}

/** The signed-in person's Telegram account: link it with a one-time code sent to the bot, or unlink it. */
export function MyTelegramLink() {
  return (
    <LinkedAccountCard
      slug="telegram"
      name="Telegram"
      load={(signal) => api('getMyTelegramLink', {}, { signal })}
      createCode={() => api('createMyTelegramLinkCode', {})}
      unlink={() => api('deleteMyTelegramLink', {})}
      account={(l) => (l.telegram_username ? `@${l.telegram_username}` : 'a Telegram account')}
      linkedNote="requests you are asked to decide come there with Approve and Reject buttons."
      unlinkNote="Nothing more is sent to that account, and its buttons decide nothing."
      notLinked="Not linked. Create a code, then send it to the organization's bot from your Telegram account."
      howToSend={(code, codeElement) => (
        <>
          Send {codeElement(`/start ${code.code}`)} <CopyButton text={`/start ${code.code}`} /> to the bot
          {code.link ? (
            <>
              , or open{' '}
              <a href={code.link} target="_blank" rel="noreferrer">
                {code.link}
              </a>
            </>
          ) : null}
          .
        </>
      )}
      sentLabel="I sent it: check again"
    />
  );
}
