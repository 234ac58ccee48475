import { useId, useState } from 'react';
import type { AuditEventType } from '@greenlight/contract';
import { AUDIT_EVENT_TYPES, AUDIT_EXPORT_PATH } from '../api/contract-values.ts';
import { api, queryString, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { ErrorMessage } from '../components/bits.tsx';
import { formatDate, principalLabel } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';

type Entry = ApiOutput<'listAuditLog'>['data'][number];

interface Filters {
  type: AuditEventType | '';
  actor_id: string;
  since: string;
  until: string;
}

/** A date input's day as the start of that day, local time, for the API's timestamps. */
const dayStart = (day: string) => (day ? new Date(`${day}T00:00:00`).toISOString() : undefined);
const dayAfter = (day: string) => (day ? new Date(new Date(`${day}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined);

const toQuery = (f: Filters) => ({
  type: f.type || undefined,
  actor_id: f.actor_id || undefined,
  since: dayStart(f.since),
  until: dayAfter(f.until),
});

/** The org audit log for admins: every change to who may act and to what automations receive. */
export function AuditLogPage() {
  const { me } = useSession();
  const id = useId();
  const [filters, setFilters] = useState<Filters>({ type: '', actor_id: '', since: '', until: '' });
  const [more, setMore] = useState<{ entries: Entry[]; token: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const key = JSON.stringify(filters);
  const first = useResource(`audit-log:${key}`, (signal) => api('listAuditLog', { query: { ...toQuery(filters), page_size: 50 } }, { signal }));
  const members = useResource('members', (signal) => api('listMembers', {}, { signal }));

  if (me && me.user?.role !== 'admin') return <p className="muted">Only admins can read the audit log.</p>;

  const entries = [...(first.data?.data ?? []), ...(more?.entries ?? [])];
  const token = more ? more.token : (first.data?.next_page_token ?? null);
  const change = (patch: Partial<Filters>) => {
    setMore(null);
    setFilters((f) => ({ ...f, ...patch }));
  };

  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">Every change to members, keys, OAuth clients, the emergency stop, secrets and subscriptions, with who made it. Entries cannot be changed or removed.</p>
      <section className="card" aria-labelledby={`${id}-filters`}>
        <h2 id={`${id}-filters`} className="visually-hidden">
          Filters
        </h2>
        <div className="row wrap">
          <label>
            What
            <select value={filters.type} onChange={(e) => change({ type: e.target.value as Filters['type'] })}>
              <option value="">Everything</option>
              {AUDIT_EVENT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <label>
            Who
            <select value={filters.actor_id} onChange={(e) => change({ actor_id: e.target.value })}>
              <option value="">Anyone</option>
              {(members.data?.data ?? []).map((m) => (
                <option key={m.user_id} value={m.user_id}>
                  {m.email}
                </option>
              ))}
            </select>
          </label>
          <label>
            From
            <input type="date" value={filters.since} onChange={(e) => change({ since: e.target.value })} />
          </label>
          <label>
            To
            <input type="date" value={filters.until} onChange={(e) => change({ until: e.target.value })} />
          </label>
        </div>
        <p className="small">
          Export what is shown:{' '}
          <a href={AUDIT_EXPORT_PATH + queryString({ ...toQuery(filters), format: 'jsonl' })} download="audit-log.jsonl">
            JSON Lines
          </a>{' '}
          ·{' '}
          <a href={AUDIT_EXPORT_PATH + queryString({ ...toQuery(filters), format: 'csv' })} download="audit-log.csv">
            CSV
          </a>
        </p>
      </section>
      <ErrorMessage error={first.error ?? moreError} />
      {first.loading && !first.data ? (
        <p className="muted">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="muted" data-testid="audit-empty">
          Nothing recorded{key === JSON.stringify({ type: '', actor_id: '', since: '', until: '' }) ? ' yet' : ' that matches'}.
        </p>
      ) : (
        <table className="data" data-testid="audit-log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Who</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.created_at}>{formatDate(e.created_at)}</time>
                </td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>{e.actor.type === 'system' ? `Greenlight (${e.actor.name ?? 'system'})` : principalLabel(e.actor)}</td>
                <td className="small">{describe(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {token && (
        <button
          type="button"
          disabled={loadingMore}
          onClick={async () => {
            setLoadingMore(true);
            setMoreError(undefined);
            try {
              const page = await api('listAuditLog', { query: { ...toQuery(filters), page_size: 50, page_token: token } });
              setMore((cur) => ({ entries: [...(cur?.entries ?? []), ...page.data], token: page.next_page_token }));
            } catch (err) {
              setMoreError(err);
            } finally {
              setLoadingMore(false);
            }
          }}
        >
          {loadingMore ? 'Loading…' : 'Older entries'}
        </button>
      )}
    </>
  );
}

/** The target and the details, in one line. */
function describe(e: Entry): string {
  const parts = Object.entries(e.details).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (e.target) parts.unshift(`${e.target.type} ${e.target.id}`);
  return parts.join(' · ');
}
