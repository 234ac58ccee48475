import { useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { ConfirmButton, CopyButton, ErrorMessage, SaveFooter } from '../components/bits.tsx';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';
import { LinkedAccountCard } from '../components/linked-account.tsx';

type Telegram = ApiOutput<'getTelegramSettings'>;

/** The org's Telegram bot (admins): connect it with the token @BotFather gave, see its webhook, remove it. The token is write-only. */
export function TelegramSettings({ onChange }: { onChange?: () => void }) {
  const settings = useResource('telegram-settings', (signal) => api('getTelegramSettings', {}, { signal }));
  const [botToken, setBotToken] = useState('');
  const current: Telegram | undefined = settings.data;
  const done = (next: Telegram) => {
    settings.set(() => next);
    setBotToken('');
    onChange?.();
  };
  const submit = useSubmit(async () => done(await api('updateTelegramSettings', { body: { bot_token: botToken.trim() } })));
  return (
    <section className="card" aria-labelledby="h-telegram">
      <h2 id="h-telegram">Telegram</h2>
      <ErrorMessage error={settings.error} />
      {current && (
        <>
          <p>
            Telegram is <strong data-testid="telegram-configured">{current.configured ? 'connected' : 'not connected'}</strong>
            {current.configured && current.bot_username ? (
              <>
                {' '}
                through the bot <code data-testid="telegram-bot">@{current.bot_username}</code>
              </>
            ) : null}
            . Members link their own Telegram account below; only linked accounts get requests and decide.
          </p>
          {current.webhook_url && (
            <p className="muted">
              Telegram posts the bot&apos;s updates to <code>{current.webhook_url}</code> with a secret Greenlight generated (set when you connect).
            </p>
          )}
          <form className="stack" onSubmit={submit.onSubmit}>
            <label>
              Token from @BotFather
              <input
                type="password"
                autoComplete="off"
                placeholder={current.bot_token.configured ? 'set: leave empty to keep it' : '123456:ABC… from @BotFather'}
                value={botToken}
                onChange={(e) => setBotToken(e.target.value)}
              />
            </label>
            <SaveFooter submit={submit} label={current.configured ? 'Replace the bot' : 'Connect Telegram'} />
          </form>
          {current.configured && (
            <ConfirmButton
              className="danger"
              title="Disconnect Telegram?"
              body={<p>Nothing more is sent to Telegram, and the buttons of messages already sent stop working.</p>}
              confirmLabel="Disconnect"
              danger
              onConfirm={async () => done(await api('deleteTelegramSettings', {}))}
            >
              Disconnect Telegram
            </ConfirmButton>
          )}
        </>
      )}
    </section>
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
