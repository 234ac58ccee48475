import { useId, useState } from 'react';
import { ROLES } from '../api/contract-values.ts';
import { api, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmButton, CopyButton, ErrorMessage } from '../components/bits.tsx';
import { fromNow } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import { csrfToken } from '../api/csrf.ts';

type Member = ApiOutput<'listMembers'>['data'][number];
type Role = Member['role'];

export function SettingsPage() {
  const { me } = useSession();
  const isAdmin = me?.user?.role === 'admin';
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
        <a className="button" href="/account/password">
          Set or change your password
        </a>
      </section>
      <Sessions />
      <Notifications email={me?.notifications?.email ?? false} />
      {isAdmin ? (
        <>
          <EmergencyStop />
          <Members selfId={me.user?.id ?? ''} />
        </>
      ) : (
        me && <p className="muted">Only admins manage members and the emergency stop.</p>
      )}
    </>
  );
}

function Notifications({ email }: { email: boolean }) {
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
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.data.map((m) => (
                <MemberRow
                  key={m.user_id}
                  member={m}
                  self={m.user_id === selfId}
                  onChanged={replace}
                  onRemoved={() => members.set((cur) => cur && { ...cur, data: cur.data.filter((x) => x.user_id !== m.user_id) })}
                />
              ))}
            </tbody>
          </table>
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
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <form
      className="stack"
      style={{ marginTop: '1rem' }}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          onAdded(await api('addMember', { body: { email: email.trim(), role } }));
          setEmail('');
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h3>Add a member</h3>
      <div className="filters">
        <label htmlFor={`${id}-email`}>
          Email
          <input id={`${id}-email`} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label htmlFor={`${id}-role`}>
          Role
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <div>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add member'}
          </button>
        </div>
      </div>
      <ErrorMessage error={error} />
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
