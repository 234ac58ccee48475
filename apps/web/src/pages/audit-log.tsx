import { useId, useState } from 'react';
import type { AuditEventType } from '@greenlight/contract';
import { AUDIT_EVENT_TYPES, AUDIT_EXPORT_PATH } from '../api/contract-values.ts';
import { api, queryString, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { DataTable, ErrorMessage } from '../components/bits.tsx';
import { formatDate, principalLabel } from '../lib/format.ts';
import { handleLinkClick } from '../lib/router.ts';
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
  const teams = useResource('audit-teams', (signal) => api('listTeams', {}, { signal }));
  const flows = useResource('audit-flows', (signal) => api('listFlows', {}, { signal }));
  const connections = useResource('audit-connections', (signal) => api('listConnections', {}, { signal }));
  const names: Names = new Map([
    ...(members.data?.data ?? []).map((m) => [m.user_id, m.name ?? m.email] as const),
    ...(teams.data?.data ?? []).map((t) => [t.id, `team ${t.name}`] as const),
    ...(flows.data?.data ?? []).map((f) => [f.id, `flow ${f.name}`] as const),
    ...(connections.data?.data ?? []).map((c) => [c.id, `connection ${c.name}`] as const),
    ...(me ? [[me.org.id, `the organization ${me.org.name}`] as const] : []),
  ]);

  // The log waits for the names it shows instead of ids, so it never flashes raw ids (a source that failed shows ids).
  // The organization's own name comes with the session: it is waited for too (without it no page of the dashboard works).
  const namesLoading = !me || [members, teams, flows, connections].some((r) => r.loading && !r.data && !r.error);

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
      <p className="muted">Every change to members, keys, OAuth clients, teams, flows, routing rules, who may decide, delegations, the emergency stop, secrets and subscriptions, and every admin override, reassignment and vote cast for someone away, with who made it. Entries cannot be changed or removed.</p>
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
      {(first.loading && !first.data) || namesLoading ? (
        <p className="muted">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="muted" data-testid="audit-empty">
          Nothing recorded{key === JSON.stringify({ type: '', actor_id: '', since: '', until: '' }) ? ' yet' : ' that matches'}.
        </p>
      ) : (
        <div className="table-wrap">
          {/* Emails and recorded values can be long words: they wrap rather than widen the page. */}
          <DataTable columns={['When', 'What', 'Who', 'Details']} testId="audit-log" style={{ overflowWrap: 'anywhere' }}>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.created_at}>{formatDate(e.created_at)}</time>
                </td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>{e.actor.type === 'system' ? `Greenlight (${e.actor.name ?? 'system'})` : principalLabel(e.actor)}</td>
                <td className="small">
                  <Described entry={e} names={names} />
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
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

/** Members, teams, flows and connections of the org by id: what the log names instead of showing ids. */
type Names = Map<string, string>;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Ids of rows that have no name of their own; the entry says enough without them (the step's number, …). */
const UNNAMED_KEYS = new Set(['step_id', 'event_id']);

/**
 * A detail's value in words: ids of known members, teams and flows as their names, lists joined, a
 * person recorded with their name by that name, and the approvers a step asked before and after a
 * reassignment by the names recorded with them.
 */
function valueWords(v: unknown, names: Names): string {
  if (typeof v === 'string') return v.replace(UUID, (id) => names.get(id.toLowerCase()) ?? id);
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map((x) => valueWords(x, names)).join(', ');
  // Someone recorded with their name ("on_behalf_of": {id, name}).
  if (v !== null && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { id?: unknown }).id === 'string') {
    return (v as { name: string }).name;
  }
  if (v !== null && typeof v === 'object' && Array.isArray((v as { approvers?: unknown }).approvers)) {
    const side = v as { approvers: { type: string; id: string; name: string | null }[]; quorum?: unknown };
    const who = side.approvers.map((p) => (p.type === 'team' ? `team ${p.name ?? p.id}` : (p.name ?? names.get(p.id) ?? p.id))).join(', ') || 'nobody';
    return side.quorum === undefined || side.approvers.length < 2 ? who : `${who} (${String(side.quorum)} of them)`;
  }
  return valueWords(JSON.stringify(v), names);
}

/** The target and the details, in one line; a request is a link to its page. */
function Described({ entry: e, names }: { entry: Entry; names: Names }) {
  const parts = Object.entries(e.details)
    .filter(([k]) => !UNNAMED_KEYS.has(k))
    .map(([k, v]) => `${k}: ${valueWords(v, names)}`);
  const target = e.target;
  if (target?.type === 'approval') {
    return (
      <>
        <a href={`/requests/${target.id}`} onClick={handleLinkClick}>
          the request
        </a>
        {parts.length > 0 && ` · ${parts.join(' · ')}`}
      </>
    );
  }
  if (target) parts.unshift(names.get(target.id) ?? `${target.type} ${target.id}`);
  return <>{parts.join(' · ')}</>;
}
