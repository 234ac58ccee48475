import { api, type ApiOutput } from '../api/client.ts';
import { CopyButton } from '../components/bits.tsx';
import { ChatAppCard } from '../components/chat-app-card.tsx';
import { LinkedAccountCard } from '../components/linked-account.tsx';

type MsTeams = ApiOutput<'getMsTeamsSettings'>;

/** The org's Microsoft Teams bot (admins): connect it with the Azure Bot's app id and client secret, see its messaging endpoint, remove it. The secret is write-only. */
export function MsTeamsSettings({ onChange }: { onChange?: () => void }) {
  return (
    <ChatAppCard<MsTeams>
      slug="msteams"
      name="Microsoft Teams"
      load={(signal) => api('getMsTeamsSettings', {}, { signal })}
      save={(v) =>
        api('updateMsTeamsSettings', {
          body: { app_id: v.app_id as string, app_password: v.app_password as string, tenant_id: (v.tenant_id as string) || null, channel_id: (v.channel_id as string) || null },
        })
      }
      remove={() => api('deleteMsTeamsSettings', {})}
      status={(current) => (
        <>
          {current.configured && current.app_id ? (
            <>
              {' '}
              through the bot <code data-testid="msteams-app">{current.app_id}</code>
            </>
          ) : null}
          . Members link their own Teams account below; only linked accounts get requests and decide.
        </>
      )}
      setup={(current) =>
        current.messaging_endpoint && (
          <p className="muted">
            Set the Azure Bot&apos;s messaging endpoint to <code data-testid="msteams-endpoint">{current.messaging_endpoint}</code> <CopyButton text={current.messaging_endpoint} />
          </p>
        )
      }
      fields={[
        { kind: 'text', key: 'app_id', label: 'Microsoft App ID', placeholder: '00000000-0000-0000-0000-000000000000', saved: (c) => c.app_id },
        {
          kind: 'secret',
          key: 'app_password',
          label: 'Client secret of the bot',
          placeholder: (c) => (c.app_password.configured ? 'set: enter it again to change the settings' : 'a client secret of the app registration'),
          required: () => false,
        },
        { kind: 'text', key: 'tenant_id', label: 'Tenant id (single-tenant bots only)', placeholder: 'empty: multi-tenant', saved: (c) => c.tenant_id },
        { kind: 'text', key: 'channel_id', label: 'Channel to post every request to (optional)', placeholder: '19:…@thread.tacv2', saved: (c) => c.channel_id },
      ]}
      saveLabel={(c) => (c.configured ? 'Save the bot' : 'Connect Microsoft Teams')}
      disconnect={{
        label: 'Disconnect Microsoft Teams',
        title: 'Disconnect Microsoft Teams?',
        confirmLabel: 'Disconnect',
        body: 'Nothing more is sent to Teams, and the actions of cards already sent stop working.',
      }}
      onChange={onChange}
    />
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
