import { useId, useState, type ReactNode } from 'react';
import type { RateLimitWindow, Scope } from '@greenlight/contract';
import { SCOPE_WORDS, SCOPES } from '../api/contract-values.ts';
import { api, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmButton, CopyButton, DataTable, ErrorMessage, SubmitButton } from '../components/bits.tsx';
import { formatDate, fromNow } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';

type Connection = ApiOutput<'listConnections'>['data'][number];
type Created = ApiOutput<'createConnection'>;
type Rotated = ApiOutput<'rotateConnection'>;
type SecretRotated = ApiOutput<'rotateOAuthClientSecret'>;

/** The lifetimes the form offers; the API takes any time within its bounds. */
const LIFETIMES = [
  { label: 'never', days: null },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
] as const;

/** How long a rotated key keeps working beside its successor, as the rotate dialog offers it. */
const OVERLAPS = [
  { label: 'at once', seconds: 0 },
  { label: 'for 1 hour', seconds: 3600 },
  { label: 'for 1 day', seconds: 86_400 },
  { label: 'for 7 days', seconds: 7 * 86_400 },
] as const;

export function ConnectionsPage() {
  const { me } = useSession();
  const isAdmin = me?.user?.role === 'admin';
  const list = useResource('connections', (signal) => api('listConnections', {}, { signal }));
  const [created, setCreated] = useState<Created | null>(null);
  const all = list.data?.data ?? [];
  const keys = all.filter((c) => c.auth_type === 'api_key');
  const grants = all.filter((c) => c.auth_type === 'oauth');
  const onRevoked = (id: string) => list.set((cur) => cur && { ...cur, data: cur.data.filter((c) => c.id !== id) });
  const onRotated = (r: Rotated) => {
    setCreated(r.connection);
    list.set((cur) => cur && { ...cur, data: [r.connection, ...cur.data.map((c) => (c.id === r.previous.id ? r.previous : c))] });
  };

  return (
    <>
      <h1>Connections</h1>
      <p className="muted">
        Automations reach Greenlight with an API key or through an OAuth connection (Zapier, n8n, Make). Revoking one stops it at its next request.
      </p>
      <ErrorMessage error={list.error} />
      {isAdmin && (
        <section className="card" aria-labelledby="h-new-key">
          <h2 id="h-new-key">New API key</h2>
          {created ? (
            <NewKey created={created} onDone={() => setCreated(null)} />
          ) : (
            <CreateKeyForm
              onCreated={(c) => {
                setCreated(c);
                list.set((cur) => cur && { ...cur, data: [c, ...cur.data] });
              }}
            />
          )}
        </section>
      )}
      {isAdmin && (
        <section className="card" aria-labelledby="h-keys">
          <h2 id="h-keys">API keys</h2>
          <ConnectionTable rows={keys} kind="api_key" onRevoked={onRevoked} onRotated={onRotated} loading={list.loading && !list.data} />
        </section>
      )}
      {isAdmin && <OAuthClientsSection />}
      <section className="card" aria-labelledby="h-grants">
        <h2 id="h-grants">OAuth connections</h2>
        <p className="small muted">{isAdmin ? 'Every app a member connected to this organization.' : 'Apps you connected to Greenlight.'}</p>
        <ConnectionTable rows={grants} kind="oauth" onRevoked={onRevoked} loading={list.loading && !list.data} />
      </section>
    </>
  );
}

function CreateKeyForm({ onCreated }: { onCreated(c: Created): void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([...SCOPES]);
  const [rateLimit, setRateLimit] = useState('100');
  const [rateWindow, setRateWindow] = useState<RateLimitWindow>('hour');
  const [lifetime, setLifetime] = useState<number | null>(null);
  const submit = useSubmit(async () => {
    const expires = lifetime === null ? {} : { expires_at: new Date(Date.now() + lifetime * 86_400_000).toISOString() };
    const c = await api('createConnection', { body: { name: name.trim(), scopes, rate_limit: Number(rateLimit), rate_limit_window: rateWindow, ...expires } });
    setName('');
    onCreated(c);
  });
  return (
    <form className="stack" onSubmit={submit.onSubmit}>
      <label htmlFor={`${id}-name`}>
        Name
        <input id={`${id}-name`} name="name" required maxLength={200} placeholder="ci-deploys" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <fieldset>
        <legend>Permissions</legend>
        {SCOPES.map((s) => (
          <label key={s} style={{ fontWeight: 400 }}>
            <input
              type="checkbox"
              name="scopes"
              value={s}
              checked={scopes.includes(s)}
              onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
            />{' '}
            <span className="mono">{s}</span> — {SCOPE_WORDS[s]}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-rate`}>
        Rate limit (requests)
        <input id={`${id}-rate`} name="rate_limit" type="number" min={1} max={10_000} required value={rateLimit} onChange={(e) => setRateLimit(e.target.value)} />
      </label>
      <label htmlFor={`${id}-window`}>
        per
        <select id={`${id}-window`} name="rate_limit_window" value={rateWindow} onChange={(e) => setRateWindow(e.target.value as RateLimitWindow)}>
          <option value="minute">minute</option>
          <option value="hour">hour</option>
        </select>
      </label>
      <label htmlFor={`${id}-expires`}>
        Expires
        <select id={`${id}-expires`} name="expires" value={lifetime ?? ''} onChange={(e) => setLifetime(e.target.value === '' ? null : Number(e.target.value))}>
          {LIFETIMES.map((l) => (
            <option key={l.label} value={l.days ?? ''}>
              {l.days === null ? l.label : `in ${l.label}`}
            </option>
          ))}
        </select>
      </label>
      <ErrorMessage error={submit.error} />
      <SubmitButton busy={submit.busy} disabled={scopes.length === 0} label="Create key" busyLabel="Creating…" />
    </form>
  );
}

function NewKey({ created, onDone }: { created: Created; onDone(): void }) {
  return (
    <div className="stack" role="status">
      <p className="alert warn">
        This is the only time the key of <strong>{created.name}</strong> is shown. Copy it now and keep it somewhere safe.
      </p>
      <div className="secret">
        <code data-testid="new-api-key">{created.api_key}</code>
        <CopyButton text={created.api_key} label="Copy key" />
      </div>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function Expiry({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">never</span>;
  const lapsed = Date.parse(at) <= Date.now();
  return (
    <time dateTime={at} title={formatDate(at)} className={lapsed ? 'danger' : undefined}>
      {lapsed ? `expired ${fromNow(at)}` : fromNow(at)}
    </time>
  );
}

/**
 * A Rotate button (its content: `children`) whose dialog says what rotating does (`text`) and asks how
 * long the old credential keeps working (`label`: what stops), then calls `rotate` with that overlap.
 */
function RotateButton({ title, text, label, rotate, children }: { title: string; text: string; label: string; rotate(overlapSeconds: number): Promise<void>; children: ReactNode }) {
  const id = useId();
  const [overlap, setOverlap] = useState<number>(86_400);
  return (
    <ConfirmButton
      title={title}
      body={
        <>
          <p>{text}</p>
          <label htmlFor={`${id}-overlap`}>
            {label}
            <select id={`${id}-overlap`} value={overlap} onChange={(e) => setOverlap(Number(e.target.value))}>
              {OVERLAPS.map((o) => (
                <option key={o.seconds} value={o.seconds}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        </>
      }
      confirmLabel="Rotate"
      onConfirm={() => rotate(overlap)}
    >
      {children}
    </ConfirmButton>
  );
}

function ConnectionTable({
  rows,
  kind,
  onRevoked,
  onRotated,
  loading,
}: {
  rows: Connection[];
  kind: Connection['auth_type'];
  onRevoked(id: string): void;
  onRotated?(r: Rotated): void;
  loading: boolean;
}) {
  if (loading) return <p className="muted">Loading…</p>;
  if (rows.length === 0) return <p className="muted">{kind === 'api_key' ? 'No API keys.' : 'No OAuth connections.'}</p>;
  return (
    <div className="table-wrap">
      <DataTable columns={['Name', kind === 'api_key' ? 'Key' : 'For', 'Permissions', 'Created', ...(kind === 'api_key' ? ['Expires'] : [])]} actions>
        {rows.map((c) => (
          <tr key={c.id} data-id={c.id}>
            <td>{c.name}</td>
            <td className="mono">{kind === 'api_key' ? `${c.key_prefix ?? ''}…` : (c.user?.email ?? '—')}</td>
            <td className="small">
              {c.scopes.join(', ')}
              <div className="muted">
                {c.rate_limit}/{c.rate_limit_window}
              </div>
            </td>
            <td className="small">
              <time dateTime={c.created_at} title={formatDate(c.created_at)}>
                {fromNow(c.created_at)}
              </time>
            </td>
            {kind === 'api_key' && (
              <td className="small" data-testid="expires">
                <Expiry at={c.expires_at} />
              </td>
            )}
            <td>
              {onRotated && (
                <RotateButton
                  title={`Rotate ${c.name}?`}
                  text="A new key with the same name, permissions and limits is shown once. The old key keeps working for the time you choose, then stops."
                  label="The old key stops"
                  rotate={async (overlap) => onRotated(await api('rotateConnection', { params: { id: c.id }, body: { overlap_seconds: overlap } }))}
                >
                  Rotate<span className="visually-hidden"> {c.name}</span>
                </RotateButton>
              )}{' '}
              <ConfirmButton
                title={`Revoke ${c.name}?`}
                body={<p>Anything using it stops working at its next request. This cannot be undone.</p>}
                confirmLabel="Revoke"
                danger
                onConfirm={async () => {
                  await api('revokeConnection', { params: { id: c.id } });
                  onRevoked(c.id);
                }}
              >
                Revoke<span className="visually-hidden"> {c.name}</span>
              </ConfirmButton>
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}

/** The org's OAuth clients (admins): a confidential one's secret rotates here, the new secret shown once. */
function OAuthClientsSection() {
  const list = useResource('oauth-clients', (signal) => api('listOAuthClients', {}, { signal }));
  const [rotated, setRotated] = useState<SecretRotated | null>(null);
  const rows = list.data?.data ?? [];
  const onRotated = (r: SecretRotated) => {
    setRotated(r);
    const { client_secret: _secret, ...client } = r;
    list.set((cur) => cur && { ...cur, data: cur.data.map((c) => (c.id === r.id ? client : c)) });
  };
  return (
    <section className="card" aria-labelledby="h-oauth-clients">
      <h2 id="h-oauth-clients">OAuth clients</h2>
      <p className="small muted">The applications (Zapier, Make, n8n…) registered to let members connect them.</p>
      <ErrorMessage error={list.error} />
      {rotated && (
        <div className="stack" role="status">
          <p className="alert warn">
            This is the only time the new secret of <strong>{rotated.name}</strong> is shown. Copy it now and put it in the application
            {rotated.previous_secret_expires_at ? (
              <>
                {' '}
                (the previous one works until <time dateTime={rotated.previous_secret_expires_at}>{formatDate(rotated.previous_secret_expires_at)}</time>)
              </>
            ) : null}
            .
          </p>
          <div className="secret">
            <code data-testid="new-client-secret">{rotated.client_secret}</code>
            <CopyButton text={rotated.client_secret} label="Copy secret" />
          </div>
          <button type="button" onClick={() => setRotated(null)}>
            Done
          </button>
        </div>
      )}
      {list.loading && !list.data ? (
        <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="muted">No OAuth clients.</p>
      ) : (
        <div className="table-wrap">
          <DataTable columns={['Name', 'Client ID', 'Expires', 'Previous secret']} actions>
            {rows.map((c) => (
              <tr key={c.id} data-id={c.id}>
                <td>{c.name}</td>
                <td className="mono small">{c.client_id}</td>
                <td className="small">
                  <Expiry at={c.expires_at} />
                </td>
                <td className="small" data-testid="previous-secret">
                  {c.previous_secret_expires_at ? <>works until {formatDate(c.previous_secret_expires_at)}</> : <span className="muted">—</span>}
                </td>
                <td>
                  {c.registration === 'admin' && !c.revoked_at && (
                    <RotateButton
                      title={`Rotate the secret of ${c.name}?`}
                      text="A new client secret is shown once. The previous secret keeps working for the time you choose, then stops."
                      label="The previous secret stops"
                      rotate={async (overlap) => onRotated(await api('rotateOAuthClientSecret', { params: { id: c.id }, body: { overlap_seconds: overlap } }))}
                    >
                      Rotate secret<span className="visually-hidden"> {c.name}</span>
                    </RotateButton>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
    </section>
  );
}
