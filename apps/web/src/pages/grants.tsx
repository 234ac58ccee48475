import { useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { ConfirmButton, DataTable, ErrorMessage } from '../components/bits.tsx';
import { formatDate, fromNow, untilLabel } from '../lib/format.ts';
import { handleLinkClick } from '../lib/router.ts';
import { useResource } from '../lib/use-resource.ts';

type Grant = ApiOutput<'listGrants'>['data'][number];

/**
 * Standing grants: "and the same for the next hour / N times", given with an approval. Each person sees
 * the grants they gave and those to their connections (an admin all of the organization's), and revokes
 * one where the server says they may (`viewer_can.revoke`).
 */
export function GrantsPage() {
  const [status, setStatus] = useState<'active' | 'all'>('active');
  const list = useResource(`grants-${status}`, (signal) => api('listGrants', { query: { status } }, { signal }));
  const onRevoked = (g: Grant) => list.set((cur) => cur && { data: cur.data.map((x) => (x.id === g.id ? g : x)).filter((x) => status === 'all' || x.active) });
  const rows = list.data?.data ?? [];
  return (
    <>
      <h1>Grants</h1>
      <p className="muted">
        A grant approves a connection's next requests like one a person approved, without asking, until it expires, is used up or is revoked.
        A policy decides first; a grant never approves its giver's own requests nor a request that never goes without a person.
      </p>
      <div className="row">
        <label htmlFor="grants-status">Show</label>
        <select id="grants-status" value={status} onChange={(e) => setStatus(e.target.value as 'active' | 'all')}>
          <option value="active">active grants</option>
          <option value="all">all grants</option>
        </select>
      </div>
      <ErrorMessage error={list.error} />
      {list.data && rows.length === 0 && <p className="muted">No {status === 'active' ? 'active ' : ''}grants.</p>}
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
    </>
  );
}
