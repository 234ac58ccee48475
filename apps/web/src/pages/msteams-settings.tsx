import { useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { ConfirmButton, CopyButton, ErrorMessage, SaveFooter } from '../components/bits.tsx';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';
import { LinkedAccountCard } from '../components/linked-account.tsx';

type MsTeams = ApiOutput<'getMsTeamsSettings'>;

/** The org's Microsoft Teams bot (admins): connect it with the Azure Bot's app id and client secret, see its messaging endpoint, remove it. The secret is write-only. */
export function MsTeamsSettings({ onChange }: { onChange?: () => void }) {
  const settings = useResource('msteams-settings', (signal) => api('getMsTeamsSettings', {}, { signal }));
  const [appId, setAppId] = useState<string | null>(null);
  const [secret, setSecret] = useState('');
  const [tenant, setTenant] = useState<string | null>(null);
  const [channel, setChannel] = useState<string | null>(null);
  const current: MsTeams | undefined = settings.data;
  const done = (next: MsTeams) => {
    settings.set(() => next);
    setSecret('');
    setAppId(null);
    setTenant(null);
    setChannel(null);
    onChange?.();
  };
  const value = (edited: string | null, saved: string | null | undefined) => edited ?? saved ?? '';
  const submit = useSubmit(async () => {
    const t = value(tenant, current?.tenant_id).trim();
    const c = value(channel, current?.channel_id).trim();
    done(await api('updateMsTeamsSettings', { body: { app_id: value(appId, current?.app_id).trim(), app_password: secret, tenant_id: t || null, channel_id: c || null } }));
  });
  return (
    <section className="card" aria-labelledby="h-msteams">
      <h2 id="h-msteams">Microsoft Teams</h2>
      <ErrorMessage error={settings.error} />
      {current && (
        <>
          <p>
            Microsoft Teams is <strong data-testid="msteams-configured">{current.configured ? 'connected' : 'not connected'}</strong>
            {current.configured && current.app_id ? (
              <>
                {' '}
                through the bot <code data-testid="msteams-app">{current.app_id}</code>
              </>
            ) : null}
            . Members link their own Teams account below; only linked accounts get requests and decide.
          </p>
          {current.messaging_endpoint && (
            <p className="muted">
              Set the Azure Bot&apos;s messaging endpoint to <code data-testid="msteams-endpoint">{current.messaging_endpoint}</code> <CopyButton text={current.messaging_endpoint} />
            </p>
          )}
          <form className="stack" onSubmit={submit.onSubmit}>
            <label>
              Microsoft App ID
              <input autoComplete="off" placeholder="00000000-0000-0000-0000-000000000000" value={value(appId, current.app_id)} onChange={(e) => setAppId(e.target.value)} />
            </label>
            <label>
              Client secret of the bot
              <input
                type="password"
                autoComplete="off"
                placeholder={current.app_password.configured ? 'set: enter it again to change the settings' : 'a client secret of the app registration'}
                value={secret}
                onChange={(e) => setSecret(e.target.value)}
              />
            </label>
            <label>
              Tenant id (single-tenant bots only)
              <input autoComplete="off" placeholder="empty: multi-tenant" value={value(tenant, current.tenant_id)} onChange={(e) => setTenant(e.target.value)} />
            </label>
            <label>
              Channel to post every request to (optional)
              <input autoComplete="off" placeholder="19:…@thread.tacv2" value={value(channel, current.channel_id)} onChange={(e) => setChannel(e.target.value)} />
            </label>
            <SaveFooter submit={submit} label={current.configured ? 'Save the bot' : 'Connect Microsoft Teams'} />
          </form>
          {current.configured && (
            <ConfirmButton
              className="danger"
              title="Disconnect Microsoft Teams?"
              body={<p>Nothing more is sent to Teams, and the actions of cards already sent stop working.</p>}
              confirmLabel="Disconnect"
              danger
              onConfirm={async () => done(await api('deleteMsTeamsSettings', {}))}
            >
              Disconnect Microsoft Teams
            </ConfirmButton>
          )}
        </>
      )}
    </section>
  );
}

/** The signed-in person's Teams account: link it with a one-time code sent to the bot in a personal chat, or unlink it. */
export function MyMsTeamsLink() {
  return (
    <LinkedAccountCard
      slug="msteams"
      name="Microsoft Teams"
      load={(signal) => api('getMyMsTeamsLink', {}, { signal })}
      createCode={() => api('createMyMsTeamsLinkCode', {})}
      unlink={() => api('deleteMyMsTeamsLink', {})}
      account={(l) => l.msteams_name ?? 'a Teams account'}
      linkedNote="requests you are asked to decide come there with Approve, Reject and Comment."
      unlinkNote="Nothing more is sent to that account, and its card actions decide nothing."
      notLinked="Not linked. Create a code, then send it to the organization's bot in a personal chat in Teams."
      howToSend={(code, codeElement) => (
        <>
          Send {codeElement(`link ${code.code}`)} <CopyButton text={`link ${code.code}`} /> to the bot.
        </>
      )}
      sentLabel="I sent it: check again"
    />
  );
}
