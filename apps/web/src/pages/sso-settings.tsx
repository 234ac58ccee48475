import { useId, useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { ConfirmButton, CopyButton, ErrorMessage, RoleOptions, SaveFooter } from '../components/bits.tsx';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';

type Sso = ApiOutput<'getSsoSettings'>;
type Role = Sso['default_role'];

const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** "group = role" per line → the mapping; a line that is not one is left for the server to refuse. */
function parseGroupRoles(text: string): Record<string, Role> {
  const out: Record<string, Role> = {};
  for (const line of text.split('\n')) {
    const at = line.lastIndexOf('=');
    if (at < 0) continue;
    const group = line.slice(0, at).trim();
    if (group) out[group] = line.slice(at + 1).trim() as Role;
  }
  return out;
}

const showGroupRoles = (roles: Record<string, Role>) =>
  Object.entries(roles)
    .map(([g, r]) => `${g} = ${r}`)
    .join('\n');

/** Whether the org signs in with SSO, for every member (the settings themselves are the admins'). */
export function SsoStatusLine({ version = 0 }: { version?: number }) {
  const status = useResource(`sso-status-${version}`, (signal) => api('getSsoStatus', {}, { signal }));
  if (!status.data) return null;
  return (
    <p data-testid="sso-status">
      Single sign-on is <strong>{status.data.enabled ? 'on' : 'off'}</strong>
      {status.data.enabled && status.data.require_sso ? ': members sign in only through the identity provider.' : '.'}
    </p>
  );
}

/** The org's OpenID Connect provider; the client secret is write-only. */
export function SsoSettings({ onChange }: { onChange?(): void }) {
  const id = useId();
  const settings = useResource('sso-settings', (signal) => api('getSsoSettings', {}, { signal }));
  const current: Sso | undefined = settings.data;
  const [edits, setEdits] = useState<Partial<Record<'issuer' | 'client_id' | 'client_secret' | 'groups_claim' | 'group_roles' | 'email_domains' | 'additional_scopes', string>>>({});
  const [defaultRole, setDefaultRole] = useState<Role | null>(null);
  const [requireSso, setRequireSso] = useState<boolean | null>(null);
  const field = (name: keyof typeof edits, fallback: string) => edits[name] ?? fallback;
  const set = (name: keyof typeof edits) => (e: { target: { value: string } }) => setEdits((prev) => ({ ...prev, [name]: e.target.value }));
  const done = (next: Sso) => {
    settings.set(() => next);
    setEdits({});
    setDefaultRole(null);
    setRequireSso(null);
    onChange?.();
  };
  const submit = useSubmit(async () => {
    if (!current) return;
    const groupsClaim = field('groups_claim', current.groups_claim ?? '').trim();
    done(
      await api('updateSsoSettings', {
        body: {
          issuer: field('issuer', current.issuer ?? '').trim(),
          client_id: field('client_id', current.client_id ?? '').trim(),
          ...(edits.client_secret?.trim() ? { client_secret: edits.client_secret.trim() } : {}),
          default_role: defaultRole ?? current.default_role,
          require_sso: requireSso ?? current.require_sso,
          groups_claim: groupsClaim === '' ? null : groupsClaim,
          group_roles: parseGroupRoles(field('group_roles', showGroupRoles(current.group_roles))),
          email_domains: list(field('email_domains', current.email_domains.join(', ')).toLowerCase()),
          additional_scopes: list(field('additional_scopes', current.additional_scopes.join(' '))),
        },
      }),
    );
  });
  return (
    <section className="card" aria-labelledby="h-sso">
      <h2 id="h-sso">Single sign-on (OpenID Connect)</h2>
      <ErrorMessage error={settings.error} />
      {current && (
        <>
          <p>
            SSO is <strong data-testid="sso-configured">{current.configured ? 'configured' : 'not configured'}</strong>
            {current.configured ? `; members ${current.require_sso ? 'must' : 'may'} sign in with it.` : '.'}
          </p>
          <p className="muted">
            Register Greenlight at your identity provider as a web application with the redirect URI <code data-testid="sso-redirect-uri">{current.redirect_uri}</code>{' '}
            <CopyButton text={current.redirect_uri} label="Copy" /> and the scopes <code>openid email profile</code>. Members sign in at{' '}
            <code>{current.sign_in_url}</code>. The client secret is stored encrypted and never shown again.
          </p>
          <form className="stack" onSubmit={submit.onSubmit} aria-label="SSO settings">
            <label htmlFor={`${id}-issuer`}>
              Issuer URL
              <input id={`${id}-issuer`} type="url" required placeholder="https://login.example.com/realms/acme" value={field('issuer', current.issuer ?? '')} onChange={set('issuer')} />
            </label>
            <label htmlFor={`${id}-client`}>
              Client ID
              <input id={`${id}-client`} required value={field('client_id', current.client_id ?? '')} onChange={set('client_id')} />
            </label>
            <label htmlFor={`${id}-secret`}>
              Client secret {current.client_secret.configured && <span className="muted">(set; leave empty to keep it)</span>}
              <input
                id={`${id}-secret`}
                type="password"
                autoComplete="off"
                required={!current.client_secret.configured}
                value={edits.client_secret ?? ''}
                onChange={set('client_secret')}
              />
            </label>
            <label htmlFor={`${id}-role`}>
              Role of people who join by signing in
              <select id={`${id}-role`} value={defaultRole ?? current.default_role} onChange={(e) => setDefaultRole(e.target.value as Role)}>
                <RoleOptions />
              </select>
            </label>
            <label htmlFor={`${id}-groups-claim`}>
              Groups claim <span className="muted">(optional, e.g. groups)</span>
              <input id={`${id}-groups-claim`} value={field('groups_claim', current.groups_claim ?? '')} onChange={set('groups_claim')} />
            </label>
            <label htmlFor={`${id}-group-roles`}>
              Group → role <span className="muted">(one per line: group = admin, approver or viewer)</span>
              <textarea id={`${id}-group-roles`} rows={3} value={field('group_roles', showGroupRoles(current.group_roles))} onChange={set('group_roles')} />
            </label>
            <label htmlFor={`${id}-domains`}>
              Email domains <span className="muted">(people who type an address of these find this organization)</span>
              <input id={`${id}-domains`} placeholder="example.com" value={field('email_domains', current.email_domains.join(', '))} onChange={set('email_domains')} />
            </label>
            <label htmlFor={`${id}-scopes`}>
              More scopes <span className="muted">(optional, e.g. groups)</span>
              <input id={`${id}-scopes`} value={field('additional_scopes', current.additional_scopes.join(' '))} onChange={set('additional_scopes')} />
            </label>
            <label htmlFor={`${id}-require`} className="checkbox">
              <input id={`${id}-require`} type="checkbox" checked={requireSso ?? current.require_sso} onChange={(e) => setRequireSso(e.target.checked)} /> Require SSO:
              refuse password sign-in for every member, admins included (sign in with SSO yourself first)
            </label>
            <SaveFooter submit={submit} label={current.configured ? 'Save SSO settings' : 'Set up SSO'} />
          </form>
          {current.configured && (
            <>
              <p>
                <a className="button" href={current.sign_in_url} data-testid="sso-try">
                  Sign in with SSO to try it
                </a>
              </p>
              <ConfirmButton
                className="danger"
                title="Turn SSO off?"
                body={<p>Nobody signs in with the identity provider any more; members sign in with their password again.</p>}
                confirmLabel="Turn off"
                danger
                onConfirm={async () => done(await api('deleteSsoSettings', {}))}
              >
                Turn SSO off
              </ConfirmButton>
            </>
          )}
        </>
      )}
    </section>
  );
}
