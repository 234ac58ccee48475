/**
 * `GET /metrics` scraped as Prometheus would, and read with a Prometheus text-format parser: what
 * the server did (requests by route, approvals by outcome, delivery attempts) and what waits (pending
 * requests, the outbox), with the process's own figures (event-loop lag) beside them.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, TEST_DATABASE_URL, type TestServer } from '../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../testing/receiver.ts';
import { freePort } from '../testing/spawn-server.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
let server: TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({
    config: {
      GREENLIGHT_METRICS_TOKEN: TOKEN,
      GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
      GREENLIGHT_EXPIRY_SWEEP_MS: '100',
      GREENLIGHT_DELIVERY_SWEEP_MS: '100',
    },
  });
}, 60_000);
afterAll(async () => {
  await server.stop();
  await receiver.close();
}, 60_000);

async function scrape() {
  const res = await server.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(res.text);
  const family = (name: string) => families.find((f) => f.name === name);
  const value = (name: string, labels: Record<string, string> = {}) => {
    const sample = family(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return sample?.value === undefined ? undefined : Number(sample.value);
  };
  return { text: res.text, family, value };
}

describe('GET /metrics', () => {
  it('counts requests by route pattern, approvals by outcome and delivery attempts; reads what is pending', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const create = async (extra: Record<string, unknown> = {}) =>
      (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(extra)).expect(201)).body as { id: string };

    const approved = await create({ callback_url: `${receiver.url}/cb` });
    const rejected = await create();
    const cancelled = await create();
    await create({ expires_at: new Date(Date.now() + 300).toISOString(), on_expiry: 'expire' });
    const waiting = await create();
    await server.http(approver.key).patch(`/api/v1/approvals/${approved.id}`).send({ decision: 'approve' }).expect(200);
    await server.http(approver.key).patch(`/api/v1/approvals/${rejected.id}`).send({ decision: 'reject' }).expect(200);
    await server.http(seed.key).delete(`/api/v1/approvals/${cancelled.id}`).expect(200);
    await server.http(seed.key).get(`/api/v1/approvals/${waiting.id}`).expect(200);
    await server.http(seed.key).get('/api/v1/approvals/00000000-0000-4000-8000-000000000000').expect(404);
    await server.http().get('/no/such/page').expect(404);

    // The sweep runs every 100 ms, and the callback's attempt is recorded after the receiver answered.
    await expect.poll(async () => (await scrape()).value('greenlight_approvals_decided_total', { outcome: 'expired' }), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await scrape()).value('greenlight_delivery_attempts_total', { channel: 'webhook', kind: 'callback', outcome: 'delivered' }), { timeout: 10_000 }).toBe(1);
    expect(receiver.received).toHaveLength(1);

    let m = await scrape();
    expect(m.family('greenlight_approvals_created_total')?.type).toBe('COUNTER');
    expect(m.value('greenlight_approvals_created_total')).toBe(5);
    expect(m.value('greenlight_approvals_decided_total', { outcome: 'approved' })).toBe(1);
    expect(m.value('greenlight_approvals_decided_total', { outcome: 'rejected' })).toBe(1);
    expect(m.value('greenlight_approvals_decided_total', { outcome: 'cancelled' })).toBe(1);

    // The gauges read the database (at most once a second): one request still waits, and the outbox is empty again.
    await expect.poll(async () => (await scrape()).value('greenlight_approvals_pending'), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await scrape()).value('greenlight_outbox_backlog'), { timeout: 10_000 }).toBe(0);
    m = await scrape();
    expect(m.value('greenlight_approvals_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(m.value('greenlight_outbox_oldest_age_seconds')).toBe(0);

    // Requests are labelled by the route that served them: never by an id, so labels stay few.
    expect(m.value('greenlight_http_requests_total', { method: 'POST', route: '/api/v1/approvals', status: '201' })).toBe(5);
    expect(m.value('greenlight_http_requests_total', { method: 'PATCH', route: '/api/v1/approvals/:id', status: '200' })).toBe(2);
    expect(m.value('greenlight_http_requests_total', { method: 'GET', route: '/api/v1/approvals/:id', status: '404' })).toBe(1);
    expect(m.value('greenlight_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(m.text).not.toContain(waiting.id);
    expect(m.family('greenlight_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    // The text parser flattens a labelled histogram into one sample: its samples are read from the registry.
    const histogram = await server.deps.metrics!.registry.getSingleMetric('greenlight_http_request_duration_seconds')!.get();
    const postLabels = { method: 'POST', route: '/api/v1/approvals', status: '201' };
    const ofPosts = histogram.values.filter((v) => Object.entries(postLabels).every(([k, x]) => v.labels[k] === x));
    expect(ofPosts.find((v) => (v as { metricName?: string }).metricName === 'greenlight_http_request_duration_seconds_count')?.value).toBe(5);
    expect(ofPosts.find((v) => v.labels.le === '+Inf')?.value).toBe(5);

    // The process itself.
    expect(m.value('greenlight_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    if (TEST_DATABASE_URL) {
      expect(m.value('greenlight_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);
      expect(m.value('greenlight_db_pool_connections', { state: 'waiting' })).toBe(0);
    } else {
      // PGlite is one connection in a worker thread: there is no pool to report.
      expect(m.family('greenlight_db_pool_connections')).toBeUndefined();
    }
    expect(m.value('greenlight_notification_backlog')).toBe(0);
  }, 60_000);

  it('reads the notifications that wait apart from the rest of the outbox', async () => {
    // An SMTP server that refuses connections: the approver's email is attempted, fails, and waits for its retry.
    const mail = await startTestServer({
      config: {
        GREENLIGHT_METRICS_TOKEN: TOKEN,
        GREENLIGHT_SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
        GREENLIGHT_MAIL_FROM: 'greenlight@example.test',
        GREENLIGHT_DELIVERY_SWEEP_MS: '100',
      },
    });
    try {
      const seed = await seedOrg(mail.db);
      await seed.addUser('approver');
      await mail.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
      const scrapeMail = async () => {
        const res = await mail.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
        const families = parsePrometheusTextFormat(res.text);
        return (name: string, labels: Record<string, string> = {}) =>
          Number(families.find((f) => f.name === name)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v))?.value ?? NaN);
      };
      await expect.poll(async () => (await scrapeMail())('greenlight_delivery_attempts_total', { channel: 'email', kind: 'approval_request', outcome: 'retry' }), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      await expect.poll(async () => (await scrapeMail())('greenlight_notification_oldest_age_seconds'), { timeout: 10_000 }).toBeGreaterThan(0);
      const value = await scrapeMail();
      expect(value('greenlight_notification_backlog')).toBeGreaterThanOrEqual(1);
      expect(value('greenlight_outbox_backlog')).toBeGreaterThanOrEqual(value('greenlight_notification_backlog'));
    } finally {
      await mail.stop();
    }
  }, 60_000);
});
