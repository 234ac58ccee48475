import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Approval } from '@greenlight/contract';
import { APPROVAL_STATUSES, PRIORITIES } from '../api/contract-values.ts';
import { api } from '../api/client.ts';
import { useLiveEvents } from '../api/live.tsx';
import { ErrorMessage, ExpiryBadge, PriorityBadge, StatusBadge } from '../components/bits.tsx';
import { DecideDialogButton } from '../components/decision-form.tsx';
import { BatchDecideBar } from '../components/batch-decide.tsx';
import { inboxOrder, mayDecide } from '../lib/decide.ts';
import { autoDeciderLabel, fromNow, principalLabel } from '../lib/format.ts';
import { handleLinkClick, navigate, useLocation } from '../lib/router.ts';
import { useResource } from '../lib/use-resource.ts';

const PAGE_SIZE = 20;
const TEXT_FILTERS = ['search', 'action_type', 'source', 'tags'] as const;

/** The reviewer's tabs: what waits for me first (the server's `assigned` filter). */
const TABS = [
  { assigned: 'me', label: 'Waiting for me' },
  { assigned: 'my_teams', label: 'Waiting for my teams' },
  { assigned: 'all', label: 'Everything' },
] as const;
type Assigned = (typeof TABS)[number]['assigned'];

interface Filters {
  assigned: Assigned;
  status: string;
  priority: string;
  search: string;
  action_type: string;
  source: string;
  tags: string;
  page: number;
}

/** The filters live in the URL, so a filtered inbox can be bookmarked, shared and reloaded. */
function filtersOf(url: URL): Filters {
  const q = url.searchParams;
  const assigned = TABS.find((t) => t.assigned === q.get('assigned'))?.assigned ?? 'me';
  return {
    assigned,
    status: q.get('status') ?? 'pending',
    priority: q.get('priority') ?? '',
    search: q.get('search') ?? '',
    action_type: q.get('action_type') ?? '',
    source: q.get('source') ?? '',
    tags: q.get('tags') ?? '',
    page: Math.max(1, Number(q.get('page')) || 1),
  };
}

function hrefOf(f: Filters): string {
  const q = new URLSearchParams();
  if (f.assigned !== 'me') q.set('assigned', f.assigned);
  if (f.status !== 'pending') q.set('status', f.status);
  for (const k of ['priority', ...TEXT_FILTERS] as const) if (f[k]) q.set(k, f[k]);
  if (f.page > 1) q.set('page', String(f.page));
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

export function InboxPage() {
  const location = useLocation();
  const filters = filtersOf(location);
  const key = hrefOf(filters);
  // Starts at once, alongside GET /me: the list does not wait for anything.
  const list = useResource(key, (signal) =>
    api(
      'listApprovals',
      {
        query: {
          // "Waiting for me / my teams" are pending requests by definition; the status filter applies to "Everything".
          assigned: filters.assigned === 'all' ? undefined : filters.assigned,
          status: filters.assigned !== 'all' || filters.status === 'all' ? undefined : filters.status,
          priority: filters.priority || undefined,
          search: filters.search.trim() || undefined,
          action_type: filters.action_type.trim() || undefined,
          source: filters.source.trim() || undefined,
          tags: filters.tags.trim() || undefined,
          page: filters.page,
          page_size: PAGE_SIZE,
        },
      },
      { signal },
    ),
  );
  const [announcement, setAnnouncement] = useState('');
  const refetch = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(refetch.current), []);

  useLiveEvents((event) => {
    const changed = event.data.approval;
    if (!changed) return;
    const shown = list.data?.data.some((a) => a.id === changed.id);
    if (shown) {
      // The pushed request has no viewer_can (what I may do is the server's answer to me): shown at
      // once, then read again, once per burst of events.
      list.set((cur) => cur && { ...cur, data: cur.data.map((a) => (a.id === changed.id ? changed : a)) });
      clearTimeout(refetch.current);
      refetch.current = setTimeout(list.reload, 150);
    } else if (event.type === 'approval.created') {
      setAnnouncement(`New request: ${changed.title}`);
      // Where it lands depends on filters and paging: ask the server, once per burst of events.
      clearTimeout(refetch.current);
      refetch.current = setTimeout(list.reload, 150);
    }
  });

  const rows = useMemo(() => inboxOrder(list.data?.data ?? []), [list.data]);
  const pagination = list.data?.pagination;
  // Selection for "approve / reject selected": ids of rows the person may decide, on this page only.
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setPicked(new Set()), [key]);
  const decidable = rows.filter((a) => mayDecide(a).allowed);
  const selected = decidable.filter((a) => picked.has(a.id));
  const toggle = (id: string, on: boolean) =>
    setPicked((cur) => {
      const next = new Set(cur);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const replace = (changed: Approval[]) => {
    const byId = new Map(changed.map((a) => [a.id, a]));
    list.set((cur) => cur && { ...cur, data: cur.data.map((a) => byId.get(a.id) ?? a) });
  };

  return (
    <>
      <h1>Inbox</h1>
      <nav aria-label="Whose requests" className="tabs" data-testid="inbox-tabs">
        {TABS.map((t) => (
          <a
            key={t.assigned}
            href={hrefOf({ ...filters, assigned: t.assigned, page: 1 })}
            onClick={handleLinkClick}
            aria-current={filters.assigned === t.assigned ? 'page' : undefined}
          >
            {t.label}
          </a>
        ))}
      </nav>
      <FilterForm filters={filters} />
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <section className="card" aria-labelledby="inbox-results" aria-busy={list.loading}>
        <h2 id="inbox-results" className="visually-hidden">
          Requests
        </h2>
        <ErrorMessage error={list.error} />
        {list.data && rows.length === 0 && (
          <p className="muted">
            {filters.assigned === 'me'
              ? 'Nothing is waiting for you.'
              : filters.assigned === 'my_teams'
                ? 'Nothing is waiting for your teams.'
                : filters.status === 'pending'
                  ? 'Nothing is waiting for a decision.'
                  : 'No request matches these filters.'}
          </p>
        )}
        {!list.data && list.loading && <p className="muted">Loading…</p>}
        {decidable.length > 0 && (
          <div className="batch-head">
            <label className="check">
              <input
                type="checkbox"
                checked={selected.length === decidable.length}
                ref={(el) => {
                  if (el) el.indeterminate = selected.length > 0 && selected.length < decidable.length;
                }}
                onChange={(e) => setPicked(e.target.checked ? new Set(decidable.map((a) => a.id)) : new Set())}
              />
              Select all you can decide on this page ({decidable.length})
            </label>
            <BatchDecideBar
              selected={selected}
              onClear={() => setPicked(new Set())}
              onDone={(results) => {
                const recorded = results.flatMap((r) => (r.outcome === 'recorded' ? [r.approval] : []));
                replace(recorded);
                setPicked((cur) => new Set([...cur].filter((id) => !recorded.some((a) => a.id === id))));
              }}
            />
          </div>
        )}
        <ul className="inbox-list" data-testid="inbox">
          {rows.map((a) => (
            <InboxRow
              key={a.id}
              approval={a}
              decidable={mayDecide(a).allowed}
              selected={picked.has(a.id)}
              onSelect={(on) => toggle(a.id, on)}
              onDecided={(r) => replace([r])}
            />
          ))}
        </ul>
        {pagination && pagination.total_pages > 1 && (
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={filters.page <= 1} onClick={() => navigate(hrefOf({ ...filters, page: filters.page - 1 }))}>
              Previous
            </button>
            <span className="small muted">
              {/* Past a few thousand matches the server estimates the total rather than counting it. */}
              Page {pagination.page} of {pagination.total_exact === false ? 'about ' : ''}
              {pagination.total_pages} · {pagination.total_exact === false ? 'about ' : ''}
              {pagination.total} requests
            </span>
            <button
              type="button"
              disabled={filters.page >= pagination.total_pages}
              onClick={() => navigate(hrefOf({ ...filters, page: filters.page + 1 }))}
            >
              Next
            </button>
          </nav>
        )}
      </section>
    </>
  );
}

function InboxRow({
  approval: a,
  decidable,
  selected,
  onSelect,
  onDecided,
}: {
  approval: Approval;
  decidable: boolean;
  selected: boolean;
  onSelect(on: boolean): void;
  onDecided: Parameters<typeof DecideDialogButton>[0]['onDecided'];
}) {
  const tags = Object.entries(a.tags);
  return (
    <li className={`inbox-item${decidable ? ' can-decide' : ''}`} data-id={a.id}>
      {decidable && (
        <input type="checkbox" className="select" checked={selected} onChange={(e) => onSelect(e.target.checked)} aria-label={`Select: ${a.title}`} />
      )}
      <div className="main">
        <a className="title" href={`/requests/${a.id}`} onClick={handleLinkClick}>
          {a.title}
        </a>
        <div className="meta">
          <PriorityBadge priority={a.priority} />
          {a.status !== 'pending' && <StatusBadge status={a.status} />}
          {autoDeciderLabel(a) && (
            <span className="muted" data-testid="auto-decider">
              {a.status} {autoDeciderLabel(a)}
            </span>
          )}
          <ExpiryBadge expiresAt={a.expires_at} status={a.status} />
          {a.status === 'pending' && a.waiter?.state === 'gone' && (
            <span className="badge warn" data-testid="waiter-gone-badge" title={a.waiter.reason ?? undefined}>
              Nobody waiting
            </span>
          )}
          {a.required_approvals > 1 && (
            <span>
              {a.current_approvals}/{a.required_approvals} approvals
            </span>
          )}
          {a.action_type && <span className="mono">{a.action_type}</span>}
          <span>
            by {principalLabel(a.requested_by)}
            {a.source ? ` via ${a.source}` : ''} · <time dateTime={a.created_at}>{fromNow(a.created_at)}</time>
          </span>
          {tags.map(([k, v]) => (
            <span key={k} className="badge">
              {k}:{v}
            </span>
          ))}
          {a.status === 'pending' && !decidable && mayDecide(a).reason && (
            <span className="muted" data-testid="decide-refusal">
              {mayDecide(a).reason}
            </span>
          )}
        </div>
      </div>
      {decidable && (
        <div className="actions">
          <DecideDialogButton approval={a} onDecided={onDecided} />
        </div>
      )}
    </li>
  );
}

function FilterForm({ filters }: { filters: Filters }) {
  const id = useId();
  const [draft, setDraft] = useState(filters);
  // Back/forward and links change the URL: the form follows.
  const key = hrefOf(filters);
  useEffect(() => setDraft(filtersOf(new URL(key, window.location.origin))), [key]);

  const apply = (next: Filters) => navigate(hrefOf({ ...next, page: 1 }));
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const field = (name: (typeof TEXT_FILTERS)[number], label: string, placeholder: string, className = '') => (
    <label htmlFor={`${id}-${name}`} className={className}>
      {label}
      <input
        id={`${id}-${name}`}
        name={name}
        type={name === 'search' ? 'search' : 'text'}
        placeholder={placeholder}
        value={draft[name]}
        onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
      />
    </label>
  );

  return (
    <form className="card filters" role="search" aria-label="Filter requests" onSubmit={onSubmit}>
      {field('search', 'Search', 'Title or description', 'search')}
      <label htmlFor={`${id}-status`}>
        Status
        <select
          id={`${id}-status`}
          name="status"
          value={draft.assigned === 'all' ? draft.status : 'pending'}
          disabled={draft.assigned !== 'all'}
          title={draft.assigned === 'all' ? undefined : 'Only pending requests wait for someone'}
          onChange={(e) => apply({ ...draft, status: e.target.value })}
        >
          {APPROVAL_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
          <option value="all">any status</option>
        </select>
      </label>
      <details className="more-filters" open={Boolean(draft.priority || draft.action_type || draft.source || draft.tags) || undefined}>
        <summary>More filters</summary>
        <div className="filters">
          <label htmlFor={`${id}-priority`}>
            Priority
            <select id={`${id}-priority`} name="priority" value={draft.priority} onChange={(e) => apply({ ...draft, priority: e.target.value })}>
              <option value="">any priority</option>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
          {field('action_type', 'Action type', 'user.delete')}
          {field('source', 'Source', 'support-bot')}
          {field('tags', 'Tags', 'env:production')}
        </div>
      </details>
      <div className="row">
        <button type="submit" className="primary">
          Apply
        </button>
        <button type="button" onClick={() => navigate('/')}>
          Reset
        </button>
      </div>
    </form>
  );
}
