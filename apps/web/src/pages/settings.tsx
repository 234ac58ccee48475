import { useId, useRef, useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmButton, CopyButton, DataTable, ErrorMessage, RoleOptions, SubmitButton } from '../components/bits.tsx';
import { formatDate, fromNow } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';
import { handleLinkClick } from '../lib/router.ts';
import { csrfToken } from '../api/csrf.ts';
import { SsoSettings, SsoStatusLine } from './sso-settings.tsx';
import { MyTelegramLink, TelegramSettings } from './telegram-settings.tsx';
import { DiscordSettings, MyDiscordLink } from './discord-settings.tsx';
import { MsTeamsSettings, MyMsTeamsLink } from './msteams-settings.tsx';
import { GithubSettings } from './github-settings.tsx';
import { EngineSettings } from './engine-settings.tsx';
import { ChatAppCard, type ChatAppField } from '../components/chat-app-card.tsx';
import { Passkeys, StepUpSetting } from './passkeys.tsx';

type Member = ApiOutput<'listMembers'>['data'][number];
type Role = Member['role'];

export function SettingsPage() {
  const { me, reload } = useSession();
  const isAdmin = me?.user?.role === 'admin';
  // Bumped when an admin changes SSO here, so the account card's line follows.
  const [ssoVersion, setSsoVersion] = useState(0);
  return (
    <>
      <h1>Organization{me ? `: ${me.org.name}` : ''}</h1>
      <section className="card" aria-labelledby="h-account">
        <h2 id="h-account">Your account</h2>
        {me?.user && (
          <p>
            Signed in as <strong>{me.user.email}</strong> ({me.user.role}).
          </p>
        )}
        <SsoStatusLine version={ssoVersion} />
        <a className="button" href="/account/password">
          Set or change your password
        </a>
      </section>
      <Sessions />
      <Passkeys />
      {me?.user && me.user.role !== 'viewer' && <OutOfOffice selfId={me.user.id} />}
      <Notifications email={me?.notifications?.email ?? false} slack={me?.notifications?.slack ?? false} isAdmin={isAdmin} />
      {me?.notifications?.telegram && me.user && me.user.role !== 'viewer' && <MyTelegramLink />}
      {me?.notifications?.discord && me.user && me.user.role !== 'viewer' && <MyDiscordLink />}
      {me?.notifications?.msteams && me.user && me.user.role !== 'viewer' && <MyMsTeamsLink />}
      {isAdmin ? (
        <>
          <SlackSettings />
          <TelegramSettings onChange={() => void reload()} />
          <DiscordSettings onChange={() => void reload()} />
          <MsTeamsSettings onChange={() => void reload()} />
          <GithubSettings />
          <EngineSettings />
          <SsoSettings onChange={() => setSsoVersion((v) => v + 1)} />
          <ScimProvisioning />
          <EmergencyStop />
          <WhoDecides />
          <StepUpSetting />
          <Members selfId={me.user?.id ?? ''} />
        </>
      ) : (
        me && <p className="muted">Only admins manage members and the emergency stop.</p>
      )}
    </>
  );
}

function Notifications({ email, slack, isAdmin }: { email: boolean; slack: boolean; isAdmin: boolean }) {
  return (
    <section className="card" aria-labelledby="h-notifications">
      <h2 id="h-notifications">Notifications</h2>
      {email ? (
        <p>
          Email is <strong data-testid="email-state">on</strong>: the people asked to decide a request get an email with Approve, Reject and Open in
          Greenlight links. Approve and Reject ask for a confirmation before anything is decided.
        </p>
      ) : (
        <p>
          Email is <strong data-testid="email-state">off</strong>: nobody is told of new requests by email. The server operator turns it on by setting{' '}
          <code>GREENLIGHT_SMTP_URL</code> and <code>GREENLIGHT_MAIL_FROM</code>.
        </p>
      )}
      <p>
        <a href="/notifications" onClick={handleLinkClick}>
          Your notification preferences
        </a>{' '}
        (channels, quiet hours, a daily digest; admins also set the defaults and reminders).
      </p>
      {slack ? (
        <p>
          Slack is <strong data-testid="slack-state">on</strong>: requests are posted with Approve and Reject buttons, and every message is updated
          once the request is decided, cancelled or expires.
        </p>
      ) : (
        <p>
          Slack is <strong data-testid="slack-state">off</strong>: nothing is posted to Slack.{' '}
          {isAdmin ? 'Connect your Slack app below to turn it on.' : 'An admin turns it on in these settings.'}
        </p>
      )}
    </section>
  );
}

type Slack = ApiOutput<'getSlackSettings'>;

/** The org's Slack app: whether it is configured, its channel and direct messages. Secrets are write-only. */
function SlackSettings() {
  const secret = (key: 'bot_token' | 'signing_secret', label: string, example: string): ChatAppField<Slack> => ({
    kind: 'secret',
    key,
    label,
    placeholder: (c) => (c[key].configured ? 'set: leave empty to keep it' : example),
    required: (c) => !c[key].configured,
  });
  return (
    <ChatAppCard<Slack>
      slug="slack"
      name="Slack"
      state={['configured', 'not configured']}
      load={(signal) => api('getSlackSettings', {}, { signal })}
      save={(v) =>
        api('updateSlackSettings', {
          body: {
            ...(v.bot_token ? { bot_token: v.bot_token as string } : {}),
            ...(v.signing_secret ? { signing_secret: v.signing_secret as string } : {}),
            default_channel: (v.default_channel as string) || null,
            dm_approvers: v.dm_approvers === true,
          },
        })
      }
      remove={() => api('deleteSlackSettings', {})}
      status={(current) => (
        <>
          {current.configured && current.default_channel ? (
            <>
              {' '}
              — requests are posted to <code data-testid="slack-channel">{current.default_channel}</code>
            </>
          ) : null}
          {current.configured ? `; direct messages to the people asked are ${current.dm_approvers ? 'on' : 'off'}.` : '.'}
        </>
      )}
      setup={(current) => (
        <p className="muted">
          In your Slack app, set the Interactivity Request URL to <code>{current.interactivity_url}</code> and give the bot the scopes{' '}
          <code>chat:write</code>, <code>users:read</code> and <code>users:read.email</code>. The bot token and signing secret are stored encrypted and
          never shown again.
        </p>
      )}
      fields={[
        secret('bot_token', 'Bot token', 'xoxb-…'),
        secret('signing_secret', 'Signing secret', ''),
        { kind: 'text', key: 'default_channel', label: 'Channel', placeholder: '#approvals', saved: (c) => c.default_channel },
        { kind: 'checkbox', key: 'dm_approvers', label: 'Also send a direct message to each person asked to decide', saved: (c) => c.dm_approvers },
      ]}
      saveLabel={(c) => (c.configured ? 'Save Slack settings' : 'Connect Slack')}
      disconnect={{
        label: 'Turn Slack off',
        title: 'Turn Slack off?',
        confirmLabel: 'Turn off',
        body: 'Nothing more is posted to Slack, and the buttons of messages already posted stop working.',
      }}
    />
  );
}

type Scim = ApiOutput<'getScimSettings'>;

/**
 * SCIM provisioning: the base URL and the bearer token the identity provider (Okta, Entra ID) provisions
 * with. The token is shown once, when created or rotated; only its prefix afterwards.
 */
function ScimProvisioning() {
  const id = useId();
  const settings = useResource('scim-settings', (signal) => api('getScimSettings', {}, { signal }));
  const [role, setRole] = useState<'viewer' | 'approver'>('approver');
  const [secret, setSecret] = useState<string | null>(null);
  const current: Scim | undefined = settings.data;
  const submit = useSubmit(async () => {
    const created = await api('createScimToken', { body: { default_role: role } });
    setSecret(created.secret);
    settings.set(() => ({ enabled: created.enabled, base_url: created.base_url, token: created.token }));
  });
  return (
    <section className="card" aria-labelledby="h-scim">
      <h2 id="h-scim">SCIM provisioning</h2>
      <ErrorMessage error={settings.error} />
      {current && (
        <>
          <p>
            Provisioning is <strong data-testid="scim-state">{current.enabled ? 'on' : 'off'}</strong>
            {current.token ? (
              <>
                {' '}
                — token <code>{current.token.prefix}…</code>, created {formatDate(current.token.created_at)}, last used{' '}
                {current.token.last_used_at ? fromNow(current.token.last_used_at) : 'never'}; people join as {current.token.default_role}s.
              </>
            ) : (
              '.'
            )}
          </p>
          <p className="muted">
            In Okta or Microsoft Entra ID, set the SCIM connector base URL (tenant URL) to <code data-testid="scim-base-url">{current.base_url}</code> and the
            authentication to a bearer token: the token below. People the identity provider deactivates lose their sessions, keys, grants and places on
            pending steps at once.
          </p>
          {secret && (
            <div role="status" className="stack">
              <p className="alert warn">This is the only time the SCIM token is shown. Copy it into the identity provider now.</p>
              <div className="secret">
                <code data-testid="scim-token">{secret}</code>
                <CopyButton text={secret} label="Copy token" />
              </div>
            </div>
          )}
          <form className="stack" onSubmit={submit.onSubmit}>
            <label htmlFor={`${id}-role`}>
              Provisioned people join as
              <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value === 'viewer' ? 'viewer' : 'approver')}>
                <option value="approver">approver</option>
                <option value="viewer">viewer</option>
              </select>
            </label>
            <SubmitButton busy={submit.busy} label={current.enabled ? 'Rotate the SCIM token' : 'Create a SCIM token'} busyLabel="Creating…" />
            <ErrorMessage error={submit.error} />
          </form>
          {current.enabled && (
            <ConfirmButton
              className="danger"
              title="Revoke the SCIM token?"
              body={<p>The identity provider is refused from now on. The people it provisioned stay as they are.</p>}
              confirmLabel="Revoke"
              danger
              onConfirm={async () => {
                setSecret(null);
                const next = await api('revokeScimToken', {});
                settings.set(() => next);
              }}
            >
              Revoke the SCIM token
            </ConfirmButton>
          )}
        </>
      )}
    </section>
  );
}

function EmergencyStop() {
  const { emergencyStop, setEmergencyStop } = useSession();
  return (
    <section className="card" aria-labelledby="h-stop">
      <h2 id="h-stop">Emergency stop</h2>
      <p>
        While the stop is on, no approval request can be created, approved, rejected or cancelled — by anyone, through any connection. Use it when an
        automation misbehaves or a credential leaks.
      </p>
      <p>
        The stop is <strong data-testid="stop-state">{emergencyStop ? 'on' : 'off'}</strong>.
      </p>
      <ConfirmButton
        className={emergencyStop ? 'primary' : 'danger'}
        title={emergencyStop ? 'Turn the emergency stop off?' : 'Turn the emergency stop on?'}
        body={
          <p>
            {emergencyStop
              ? 'Automations can create requests again and approvers can decide them.'
              : 'Every change to approval requests will be refused until an admin turns it off.'}
          </p>
        }
        confirmLabel={emergencyStop ? 'Turn off' : 'Turn on'}
        danger={!emergencyStop}
        onConfirm={async () => {
          const org = await api('updateOrg', { body: { emergency_stop: !emergencyStop } });
          setEmergencyStop(org.emergency_stop);
        }}
      >
        {emergencyStop ? 'Turn the emergency stop off' : 'Turn the emergency stop on'}
      </ConfirmButton>
    </section>
  );
}

function Members({ selfId }: { selfId: string }) {
  const members = useResource('members', (signal) => api('listMembers', {}, { signal }));
  const [invite, setInvite] = useState<{ email: string; url: string } | null>(null);
  const replace = (m: Member) => members.set((cur) => cur && { ...cur, data: cur.data.map((x) => (x.user_id === m.user_id ? m : x)) });
  return (
    <section className="card" aria-labelledby="h-members">
      <h2 id="h-members">Members</h2>
      <ErrorMessage error={members.error} />
      {members.data && (
        <div className="table-wrap">
          <DataTable columns={['Member', 'Role', 'Joined']} actions>
            {members.data.data.map((m) => (
              <MemberRow
                key={m.user_id}
                member={m}
                self={m.user_id === selfId}
                onChanged={replace}
                onRemoved={() => members.set((cur) => cur && { ...cur, data: cur.data.filter((x) => x.user_id !== m.user_id) })}
              />
            ))}
          </DataTable>
        </div>
      )}
      {invite && (
        <div className="stack" role="status" style={{ marginTop: '1rem' }}>
          <p className="alert warn">
            Send this one-time sign-in link to <strong>{invite.email}</strong>. It works once, for an hour, and is not shown again.
          </p>
          <div className="secret">
            <code>{invite.url}</code>
            <CopyButton text={invite.url} label="Copy link" />
          </div>
        </div>
      )}
      <AddMemberForm
        onAdded={(added) => {
          members.set((cur) => cur && { ...cur, data: [...cur.data.filter((x) => x.user_id !== added.member.user_id), added.member] });
          setInvite(added.sign_in_url ? { email: added.member.email, url: added.sign_in_url } : null);
        }}
      />
    </section>
  );
}

function MemberRow({ member: m, self, onChanged, onRemoved }: { member: Member; self: boolean; onChanged(m: Member): void; onRemoved(): void }) {
  const id = useId();
  const [error, setError] = useState<unknown>(undefined);
  return (
    <tr>
      <td>
        {m.name ?? m.email}
        {m.name && <div className="small muted">{m.email}</div>}
        {!m.password_set && <div className="small muted">has not set a password yet</div>}
        <ErrorMessage error={error} />
      </td>
      <td>
        <label htmlFor={`${id}-role`} className="visually-hidden">
          Role of {m.email}
        </label>
        <select
          id={`${id}-role`}
          value={m.role}
          style={{ width: 'auto' }}
          onChange={async (e) => {
            setError(undefined);
            try {
              onChanged(await api('updateMember', { params: { userId: m.user_id }, body: { role: e.target.value as Role } }));
            } catch (err) {
              setError(err);
            }
          }}
        >
          <RoleOptions />
        </select>
        <label className="small" style={{ display: 'flex', gap: '0.35rem', alignItems: 'center', marginTop: '0.35rem' }}>
          <input
            type="checkbox"
            checked={m.see_sensitive}
            // Admins see sensitive fields by their role.
            disabled={m.role === 'admin'}
            onChange={async (e) => {
              setError(undefined);
              try {
                onChanged(await api('updateMember', { params: { userId: m.user_id }, body: { see_sensitive: e.target.checked } }));
              } catch (err) {
                setError(err);
              }
            }}
          />
          sees sensitive fields<span className="visually-hidden"> ({m.email})</span>
        </label>
      </td>
      <td className="small">{fromNow(m.joined_at)}</td>
      <td>
        <ConfirmButton
          title={self ? 'Leave this organization?' : `Remove ${m.email}?`}
          body={<p>Their sessions end and the apps they connected are disconnected.</p>}
          confirmLabel="Remove"
          danger
          onConfirm={async () => {
            await api('removeMember', { params: { userId: m.user_id } });
            onRemoved();
          }}
        >
          Remove<span className="visually-hidden"> {m.email}</span>
        </ConfirmButton>
      </td>
    </tr>
  );
}

function AddMemberForm({ onAdded }: { onAdded(added: ApiOutput<'addMember'>): void }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('approver');
  const submit = useSubmit(async () => {
    onAdded(await api('addMember', { body: { email: email.trim(), role } }));
    setEmail('');
  });
  return (
    <form className="stack" style={{ marginTop: '1rem' }} onSubmit={submit.onSubmit}>
      <h3>Add a member</h3>
      <div className="filters">
        <label htmlFor={`${id}-email`}>
          Email
          <input id={`${id}-email`} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label htmlFor={`${id}-role`}>
          Role
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <RoleOptions />
          </select>
        </label>
        <SubmitButton busy={submit.busy} label="Add member" busyLabel="Adding…" />
      </div>
      <ErrorMessage error={submit.error} />
    </form>
  );
}

/** The person's own sessions, and "sign out everywhere": the others end at once, then this one. */
function Sessions() {
  const sessions = useResource('sessions', (signal) => api('listSessions', {}, { signal }));
  return (
    <section className="card" aria-labelledby="h-sessions">
      <h2 id="h-sessions">Your sessions</h2>
      <ErrorMessage error={sessions.error} />
      <ul data-testid="sessions">
        {(sessions.data?.data ?? []).map((s) => (
          <li key={s.id}>
            Signed in {fromNow(s.created_at)}
            {s.current ? ' (this one)' : ''}, ends {fromNow(s.expires_at)}
          </li>
        ))}
      </ul>
      <ConfirmButton
        className="danger"
        title="Sign out everywhere?"
        body={<p>Every session of yours ends, this one too.</p>}
        confirmLabel="Sign out everywhere"
        danger
        onConfirm={async () => {
          await api('endOtherSessions', {});
          await fetch('/sign-out', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': await csrfToken() } });
          window.location.assign('/sign-in');
        }}
      >
        Sign out everywhere
      </ConfirmButton>
    </section>
  );
}

type Delegation = NonNullable<ApiOutput<'getMyDelegation'>['delegation']>;

/** datetime-local wants local time without a zone. */
const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/**
 * Out of office: while it lasts, whatever asks you asks your delegate, who decides for you. The people
 * to choose from are the members of the teams (everyone can read those); an admin sees every member.
 */
function OutOfOffice({ selfId }: { selfId: string }) {
  const { me } = useSession();
  const id = useId();
  const current = useResource('delegation', (signal) => api('getMyDelegation', {}, { signal }));
  const people = useResource(`people:${me?.user?.role}`, async (signal) => {
    if (me?.user?.role === 'admin') {
      const m = await api('listMembers', {}, { signal });
      return m.data.filter((x) => x.role !== 'viewer').map((x) => ({ id: x.user_id, name: x.name ?? x.email }));
    }
    const t = await api('listTeams', {}, { signal });
    const seen = new Map<string, string>();
    for (const team of t.data) for (const member of team.members) seen.set(member.user_id, member.name);
    return [...seen].map(([uid, name]) => ({ id: uid, name }));
  });
  const [delegate, setDelegate] = useState('');
  const [from, setFrom] = useState(() => localInput(new Date()));
  const [until, setUntil] = useState(() => localInput(new Date(Date.now() + 7 * 86_400_000)));
  const d: Delegation | null = current.data?.delegation ?? null;
  const choices = (people.data ?? []).filter((p) => p.id !== selfId);
  const submit = useSubmit(async () => {
    const next = await api('setMyDelegation', {
      body: { delegate_id: delegate, starts_at: new Date(from).toISOString(), ends_at: new Date(until).toISOString() },
    });
    current.set(() => next);
  });
  return (
    <section className="card" aria-labelledby="h-ooo" data-testid="out-of-office">
      <h2 id="h-ooo">Out of office</h2>
      {d ? (
        <p data-testid="delegation-state">
          {d.active ? 'You are away' : 'You will be away'} from {formatDate(d.starts_at)} until {formatDate(d.ends_at)}:{' '}
          <strong>{d.delegate.name}</strong> {d.active ? 'decides' : 'will decide'} what asks you meanwhile, for you.
        </p>
      ) : (
        <p className="muted" data-testid="delegation-state">
          No delegate set: what asks you waits for you.
        </p>
      )}
      <form className="stack" onSubmit={submit.onSubmit}>
        <label htmlFor={`${id}-delegate`}>
          Delegate
          <select id={`${id}-delegate`} required value={delegate} onChange={(e) => setDelegate(e.target.value)}>
            <option value="">Choose a member…</option>
            {choices.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <div className="row">
          <label htmlFor={`${id}-from`}>
            From
            <input id={`${id}-from`} type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label htmlFor={`${id}-until`}>
            Until
            <input id={`${id}-until`} type="datetime-local" required value={until} onChange={(e) => setUntil(e.target.value)} />
          </label>
        </div>
        <ErrorMessage error={submit.error} />
        <div className="row">
          <button type="submit" disabled={submit.busy || !delegate}>
            {d ? 'Replace delegation' : 'Set delegate'}
          </button>
          {d && (
            <button
              type="button"
              className="secondary"
              onClick={async () => {
                submit.setError(undefined);
                try {
                  current.set(() => ({ delegation: null }));
                  await api('deleteMyDelegation', {});
                } catch (err) {
                  submit.setError(err);
                } finally {
                  current.reload();
                }
              }}
            >
              I am back: end it
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

/** The org's decision settings: the admin override of steps, and whether only admins resolve requests. */
function WhoDecides() {
  const { me, reload } = useSession();
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState('');
  // A change is shown as chosen at once and held until the session is read again after the save: a
  // session read that was already on its way (the page's first load) cannot undo the click.
  const [pending, setPending] = useState<{ admin_override?: boolean; resolve_policy?: 'approvers' | 'admin_only' } | null>(null);
  const inFlight = useRef(0);
  const override = pending?.admin_override ?? me?.org.admin_override ?? false;
  const policy = pending?.resolve_policy ?? me?.org.resolve_policy ?? 'approvers';
  const change = async (body: { admin_override?: boolean; resolve_policy?: 'approvers' | 'admin_only' }) => {
    setError(undefined);
    setSaved('');
    setPending((p) => ({ ...p, ...body }));
    inFlight.current += 1;
    try {
      await api('updateOrg', { body });
      setSaved('Saved.');
    } catch (err) {
      setError(err);
    }
    await reload().catch(() => undefined);
    // The last change to finish lets the session speak again (an earlier one must not undo a later click).
    inFlight.current -= 1;
    if (inFlight.current === 0) setPending(null);
  };
  return (
    <section className="card" aria-labelledby="h-who-decides" data-testid="who-decides">
      <h2 id="h-who-decides">Who may decide</h2>
      <label className="check">
        <input type="checkbox" checked={override} onChange={(e) => void change({ admin_override: e.target.checked })} />
        Admins (and API keys) may decide a step that does not ask them — each use is recorded in the audit log
      </label>
      <fieldset>
        <legend>Who resolves requests</legend>
        <label className="check">
          <input type="radio" name="resolve_policy" checked={policy === 'approvers'} onChange={() => void change({ resolve_policy: 'approvers' })} />
          The people each request asks
        </label>
        <label className="check">
          <input type="radio" name="resolve_policy" checked={policy === 'admin_only'} onChange={() => void change({ resolve_policy: 'admin_only' })} />
          Only admins
        </label>
      </fieldset>
      <ErrorMessage error={error} />
      {saved && (
        <p className="small muted" role="status">
          {saved}
        </p>
      )}
    </section>
  );
}
