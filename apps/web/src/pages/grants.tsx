import { useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { ConfirmButton, DataTable, ErrorMessage } from '../components/bits.tsx';
import { formatDate, fromNow, untilLabel } from '../lib/format.ts';
import { handleLinkClick } from '../lib/router.ts';
import { useResource } from '../lib/use-resource.ts';
import { AUTO_DECISION_WINDOWS, GRANT_STATUSES } from '../api/contract-values.ts';

type Grant = ApiOutput<'listGrants'>['data'][number];

/**
 * Standing grants: "and the same for the next hour / N times", given with an approval. Each person sees
 * the grants they gave and those to their connections (an admin all of the organization's), and revokes
 * one where the server says they may (`viewer_can.revoke`).
 */
const STATUS_WORDS: Record<(typeof GRANT_STATUSES)[number], string> = {
  active: 'active grants',
  revoked: 'revoked grants',
  expired: 'expired grants',
  used_up: 'used-up grants',
  all: 'all grants',
};
const WINDOW_WORDS: Record<(typeof AUTO_DECISION_WINDOWS)[number], string> = { '24h': 'the last 24 hours', '7d': 'the last 7 days', '30d': 'the last 30 days' };

/**
 * Prompts avoided: how many requests each policy and each grant the viewer may see decided over a
 * window, as the server counts them from the stored decisions (GET /api/v1/auto-decisions).
 */
function PromptsAvoided() {
  const [over, setOver] = useState<(typeof AUTO_DECISION_WINDOWS)[number]>('7d');
  const counts = useResource(`auto-decisions-${over}`, (signal) => api('countAutoDecisions', { query: { window: over } }, { signal }));
  const c = counts.data;
  const total = c ? c.policies.reduce((n, p) => n + p.approved + p.rejected, 0) + c.grants.reduce((n, g) => n + g.approved, 0) : 0;
  return (
    <section aria-labelledby="prompts-avoided" data-testid="prompts-avoided">
      <h2 id="prompts-avoided">Prompts avoided</h2>
      <div className="row">
        <label htmlFor="prompts-window">Over</label>
        <select id="prompts-window" value={over} onChange={(e) => setOver(e.target.value as (typeof AUTO_DECISION_WINDOWS)[number])}>
          {AUTO_DECISION_WINDOWS.map((w) => (
            <option key={w} value={w}>
              {WINDOW_WORDS[w]}
            </option>
          ))}
        </select>
        {c && <span data-testid="prompts-total">{total === 1 ? '1 request' : `${total} requests`} decided without asking anyone</span>}
      </div>
      <ErrorMessage error={counts.error} />
      {c && c.policies.length + c.grants.length > 0 && (
        <DataTable columns={['Decided by', 'Approved', 'Rejected']} testId="prompts-table">
          {c.policies.map((p) => (
            <tr key={`policy-${p.id}`} data-kind="policy" data-id={p.id}>
              <td>
                policy <span className="mono">{p.id}</span>
              </td>
              <td data-testid="approved">{p.approved}</td>
              <td data-testid="rejected">{p.rejected}</td>
            </tr>
          ))}
          {c.grants.map((g) => (
            <tr key={`grant-${g.id}`} data-kind="grant" data-id={g.id}>
              <td>
                {g.given_by.name}'s grant: <span className="mono">{g.action_type}</span> from {g.connection.name}
              </td>
              <td data-testid="approved">{g.approved}</td>
              <td data-testid="rejected">—</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

/**
 * Standing grants: "and the same for the next hour / N times", given with an approval. Each person sees
 * the grants they gave and those to their connections (an admin all of the organization's), and revokes
 * one where the server says they may (`viewer_can.revoke`). By pages, as the server answers them.
 */
export function GrantsPage() {
  const [status, setStatus] = useState<(typeof GRANT_STATUSES)[number]>('active');
  const [mine, setMine] = useState(false);
  const [more, setMore] = useState<{ data: Grant[]; next: string | null } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const query = { status, ...(mine && { given_by: 'me' as const }) };
  const list = useResource(`grants-${status}-${mine}`, (signal) => {
    setMore(null);
    return api('listGrants', { query }, { signal });
  });
  // A revoked grant leaves a list of active ones; elsewhere it shows as revoked.
  const replaced = (g: Grant, data: Grant[]) => data.map((x) => (x.id === g.id ? g : x)).filter((x) => status !== 'active' || x.active);
  const onRevoked = (g: Grant) => {
    list.set((cur) => cur && { ...cur, data: replaced(g, cur.data) });
    setMore((cur) => cur && { ...cur, data: replaced(g, cur.data) });
  };
  const rows = [...(list.data?.data ?? []), ...(more?.data ?? [])];
  const next = more ? more.next : (list.data?.next_page_token ?? null);
  const loadMore = async () => {
    if (!next) return;
    try {
      const page = await api('listGrants', { query: { ...query, page_token: next } });
      setMore((cur) => ({ data: [...(cur?.data ?? []), ...page.data], next: page.next_page_token }));
    } catch (err) {
      setMoreError(err);
    }
  };
  return (
    <>
      <h1>Grants</h1>
      <p className="muted">
        A grant approves a connection's next requests like one a person approved, without asking, until it expires, is used up or is revoked.
        A policy decides first; a grant never approves its giver's own requests nor a request that never goes without a person.
      </p>
      <PromptsAvoided />
      <h2>Given grants</h2>
      <div className="row">
        <label htmlFor="grants-status">Show</label>
        <select id="grants-status" value={status} onChange={(e) => setStatus(e.target.value as (typeof GRANT_STATUSES)[number])}>
          {GRANT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_WORDS[s]}
            </option>
          ))}
        </select>
        <label className="inline">
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> given by me
        </label>
      </div>
      <ErrorMessage error={list.error} />
      {list.data && rows.length === 0 && <p className="muted">No {STATUS_WORDS[status]}.</p>}
      {rows.length > 0 && (
        <DataTable columns={['Given by', 'For', 'Approves', 'Used', 'Until', 'State']} actions testId="grants-table">
          {rows.map((g) => (
            <tr key={g.id} data-id={g.id}>
              <td>
                {g.given_by.name}
                <div className="small muted">
                  on{' '}
                  <a href={`/requests/${g.given_on}`} onClick={handleLinkClick}>
                    this request
                  </a>
                  , <time dateTime={g.created_at}>{fromNow(g.created_at)}</time>
                </div>
              </td>
              <td>
                {g.connection.name}
                {g.agent_session && <div className="small mono">session {g.agent_session}</div>}
              </td>
              <td>
                <span className="mono">{g.action_type}</span>
                {Object.entries(g.fields).map(([k, v]) => (
                  <div key={k} className="small mono">
                    {k} = {v}
                  </div>
                ))}
              </td>
              <td data-testid="grant-uses">{g.max_uses === null ? `${g.uses}` : `${g.uses} of ${g.max_uses}`}</td>
              <td>
                <time dateTime={g.expires_at} title={formatDate(g.expires_at)}>
                  {untilLabel(g.expires_at)}
                </time>
              </td>
              <td data-testid="grant-state">{g.revoked_at ? `revoked by ${g.revoked_by?.name ?? 'someone'}` : g.active ? 'active' : 'ended'}</td>
              <td>
                {g.viewer_can.revoke.allowed && (
                  <ConfirmButton
                    title="Revoke this grant?"
                    body={<p>Its connection's next requests are asked of people again, on every server, from now on.</p>}
                    confirmLabel="Revoke"
                    danger
                    onConfirm={async () => onRevoked(await api('revokeGrant', { params: { id: g.id } }))}
                  >
                    Revoke<span className="visually-hidden"> the grant of {g.given_by.name}</span>
                  </ConfirmButton>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <ErrorMessage error={moreError} />
      {next && (
        <button type="button" onClick={loadMore}>
          Show more
        </button>
      )}
    </>
  );
}
