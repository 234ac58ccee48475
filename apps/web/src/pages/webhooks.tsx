import { useId, useState } from 'react';
import type { EventType } from '@greenlight/contract';
import { DELIVERY_STATUSES, EVENT_TYPES } from '../api/contract-values.ts';
import { api, type ApiOutput } from '../api/client.ts';
import { ConfirmButton, CopyButton, DataTable, ErrorMessage, StatusBadge, SubmitButton } from '../components/bits.tsx';
import { formatDate, fromNow } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';

type Webhook = ApiOutput<'listWebhooks'>['data'][number];
type Delivery = ApiOutput<'listDeliveries'>['data'][number];

export function WebhooksPage() {
  const hooks = useResource('webhooks', (signal) => api('listWebhooks', {}, { signal }));
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const replace = (w: Webhook) => hooks.set((cur) => cur && { ...cur, data: cur.data.map((x) => (x.id === w.id ? w : x)) });

  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">
        Subscriptions receive the organization’s events, signed in the Standard Webhooks format. Every delivery, with each attempt, is in the log below.
      </p>
      {secret && (
        <section className="card" role="status" aria-labelledby="h-secret">
          <h2 id="h-secret">Signing secret of {secret.label}</h2>
          <p className="alert warn">Shown only now: copy it into the receiving app.</p>
          <div className="secret">
            <code data-testid="webhook-secret">{secret.value}</code>
            <CopyButton text={secret.value} label="Copy secret" />
          </div>
          <button type="button" onClick={() => setSecret(null)} style={{ marginTop: '0.5rem' }}>
            Done
          </button>
        </section>
      )}
      <section className="card" aria-labelledby="h-subs">
        <h2 id="h-subs">Subscriptions</h2>
        <ErrorMessage error={hooks.error} />
        {hooks.data && hooks.data.data.length === 0 && <p className="muted">No subscriptions yet.</p>}
        {hooks.data && hooks.data.data.length > 0 && (
          <div className="table-wrap">
            <DataTable columns={['URL', 'Events', 'State']} actions>
              {hooks.data.data.map((w) => (
                <tr key={w.id}>
                  <td className="mono" style={{ overflowWrap: 'anywhere' }}>
                    {w.url}
                    {w.description && <div className="muted small">{w.description}</div>}
                  </td>
                  <td className="small">{w.events.join(', ')}</td>
                  <td>
                    <StatusBadge status={w.status} />
                    {w.disabled_reason && <div className="small muted">{w.disabled_reason}</div>}
                  </td>
                  <td>
                    <div className="row">
                      <ConfirmButton
                        title="Rotate the signing secret?"
                        body={<p>The old secret keeps signing, as a second signature, for 24 hours.</p>}
                        confirmLabel="Rotate"
                        onConfirm={async () => {
                          const r = await api('rotateWebhookSecret', { params: { id: w.id } });
                          setSecret({ label: w.url, value: r.secret });
                          replace({ ...w, secret_rotated_at: r.rotated_at });
                        }}
                      >
                        Rotate secret
                      </ConfirmButton>
                      <ConfirmButton
                        title="Delete this subscription?"
                        body={<p>Nothing more is sent to {w.url}; queued deliveries are dropped.</p>}
                        confirmLabel="Delete"
                        danger
                        onConfirm={async () => {
                          await api('deleteWebhook', { params: { id: w.id } });
                          hooks.set((cur) => cur && { ...cur, data: cur.data.filter((x) => x.id !== w.id) });
                        }}
                      >
                        Delete
                      </ConfirmButton>
                    </div>
                  </td>
                </tr>
              ))}
            </DataTable>
          </div>
        )}
        <details style={{ marginTop: '1rem' }}>
          <summary>New subscription</summary>
          <CreateWebhookForm
            onCreated={(w) => {
              hooks.set((cur) => cur && { ...cur, data: [...cur.data, w] });
              setSecret({ label: w.url, value: w.secret });
            }}
          />
        </details>
      </section>
      <DeliveryLog />
    </>
  );
}

function CreateWebhookForm({ onCreated }: { onCreated(w: ApiOutput<'createWebhook'>): void }) {
  const id = useId();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<EventType[]>(['approval.approved', 'approval.rejected']);
  const submit = useSubmit(async () => {
    const w = await api('createWebhook', { body: { url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}) } });
    setUrl('');
    setDescription('');
    onCreated(w);
  });
  return (
    <form className="stack" style={{ marginTop: '0.75rem' }} onSubmit={submit.onSubmit}>
      <label htmlFor={`${id}-url`}>
        URL
        <input id={`${id}-url`} type="url" required placeholder="https://hooks.example.com/greenlight" value={url} onChange={(e) => setUrl(e.target.value)} />
      </label>
      <label htmlFor={`${id}-desc`}>
        Description <span className="muted small">(optional)</span>
        <input id={`${id}-desc`} maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <fieldset>
        <legend>Events</legend>
        {EVENT_TYPES.map((t) => (
          <label key={t} style={{ fontWeight: 400 }}>
            <input
              type="checkbox"
              checked={events.includes(t)}
              onChange={(e) => setEvents(e.target.checked ? [...events, t] : events.filter((x) => x !== t))}
            />{' '}
            <span className="mono">{t}</span>
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={submit.error} />
      <SubmitButton busy={submit.busy} disabled={events.length === 0} label="Subscribe" busyLabel="Subscribing…" />
    </form>
  );
}

function DeliveryLog() {
  const id = useId();
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  const log = useResource(`deliveries:${status}:${page}`, (signal) =>
    api('listDeliveries', { query: { page, page_size: 20, ...(status ? { status: status as Delivery['status'] } : {}) } }, { signal }),
  );
  const replace = (d: Delivery) => log.set((cur) => cur && { ...cur, data: cur.data.map((x) => (x.id === d.id ? d : x)) });
  const p = log.data?.pagination;

  return (
    <section className="card" aria-labelledby="h-log" aria-busy={log.loading}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="h-log">Delivery log</h2>
        <div className="row">
          <label htmlFor={`${id}-status`} className="visually-hidden">
            Delivery status
          </label>
          <select
            id={`${id}-status`}
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setPage(1);
            }}
            style={{ width: 'auto' }}
          >
            <option value="">every status</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <button type="button" onClick={log.reload}>
            Refresh
          </button>
        </div>
      </div>
      <ErrorMessage error={log.error} />
      {log.data && log.data.data.length === 0 && <p className="muted">No deliveries.</p>}
      <ul className="comments" data-testid="deliveries">
        {log.data?.data.map((d) => (
          <DeliveryRow key={d.id} delivery={d} onChanged={replace} />
        ))}
      </ul>
      {p && p.total_pages > 1 && (
        <nav className="pager" aria-label="Delivery log pages">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span className="small muted">
            Page {p.page} of {p.total_pages}
          </span>
          <button type="button" disabled={page >= p.total_pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

function DeliveryRow({ delivery: d, onChanged }: { delivery: Delivery; onChanged(d: Delivery): void }) {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const canRedeliver = d.status === 'delivered' || d.status === 'failed' || d.status === 'gone';
  return (
    <li data-id={d.id}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <div>
          <StatusBadge status={d.status} /> <span className="mono small">{d.event_type}</span>{' '}
          <span className="small muted">
            → {d.target.replace('_', ' ')} {d.url === null ? <span>(address shown to the requester and admins only)</span> : <span className="mono">{d.url}</span>}
          </span>
          <div className="small muted">
            {d.attempt_count} attempt{d.attempt_count === 1 ? '' : 's'}
            {d.last_status_code !== null ? ` · last answer ${d.last_status_code}` : ''}
            {d.last_error ? ` · ${d.last_error}` : ''} · <time dateTime={d.created_at}>{fromNow(d.created_at)}</time>
            {d.next_attempt_at && d.status === 'pending' ? ` · next attempt ${fromNow(d.next_attempt_at)}` : ''}
          </div>
        </div>
        {canRedeliver && (
          <button
            type="button"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(undefined);
              try {
                onChanged(await api('redeliverDelivery', { params: { id: d.id } }));
              } catch (err) {
                setError(err);
              } finally {
                setBusy(false);
              }
            }}
          >
            Redeliver
          </button>
        )}
      </div>
      <ErrorMessage error={error} />
      {d.attempts.length > 0 && (
        <details>
          <summary className="small">Attempts</summary>
          <DataTable columns={['#', 'When', 'Answer', 'Time']}>
            {d.attempts.map((t) => (
              <tr key={t.attempt}>
                <td>{t.attempt}</td>
                <td>{formatDate(t.started_at)}</td>
                <td>{t.status_code ?? t.error ?? '—'}</td>
                <td>{t.duration_ms} ms</td>
              </tr>
            ))}
          </DataTable>
        </details>
      )}
    </li>
  );
}
