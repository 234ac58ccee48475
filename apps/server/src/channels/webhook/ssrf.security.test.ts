/**
 * SSRF guard: hostile targets are refused before any connection, a loopback
 * listener sees none, at creation (API 400) and at delivery (the attempt is logged as failed).
 * Run WITHOUT GREENLIGHT_CALLBACK_ALLOW_CIDRS, except where a test names one on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { checkTarget, parseAllowCidrs, TargetRefused, type HostLookup } from './ssrf.ts';
import { httpSender } from './http-sender.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';

let v4: TestReceiver;
let v6: TestReceiver;
let redirector: TestReceiver;
let server: TestServer;

/** A hostile DNS: names the tests use, answering with whatever address the case needs. */
const DNS: Record<string, string[]> = {
  'internal.example': ['10.1.2.3'],
  'metadata.example': ['169.254.169.254'],
  'mixed.example': ['93.184.216.34', '192.168.0.10'],
  'mapped.example': ['::ffff:10.0.0.1'],
  'ula.example': ['fd00::1234'],
  'public.example': ['93.184.216.34'],
  localhost: ['127.0.0.1'],
};
const lookup: HostLookup = async (name) => {
  const found = DNS[name];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

beforeAll(async () => {
  v4 = await startReceiver();
  v6 = await startReceiver(undefined, '::1');
  // The "public" site: a receiver on 127.0.0.2 that the allow-list below treats as reachable, answering
  // every request with a redirect to the loopback listener.
  redirector = await startReceiver(() => ({ status: 302, headers: { location: `${v4.url}/steal` } }), '127.0.0.2');
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_SCHEDULE: '0', GREENLIGHT_DELIVERY_SWEEP_MS: '100' } });
}, 60_000);
afterAll(async () => {
  await server.stop();
  await Promise.all([v4.close(), v6.close(), redirector.close()]);
}, 60_000);

/** PORT4 / PORT6: the loopback listeners' ports, known only once they listen. */
const HOSTILE =
  [
    ['loopback 127.0.0.1', `http://127.0.0.1:PORT4/hook`, '127.0.0.1 is a loopback address'],
    ['loopback by name (localhost)', `http://localhost:PORT4/hook`, 'host localhost resolves to 127.0.0.1, a loopback address'],
    ['loopback as a decimal integer', `http://2130706433:PORT4/hook`, '127.0.0.1 is a loopback address'],
    ['10/8', 'http://10.0.0.5/hook', '10.0.0.5 is a private network address'],
    ['172.16/12', 'https://172.16.3.4/hook', '172.16.3.4 is a private network address'],
    ['192.168/16', 'http://192.168.1.1/hook', '192.168.1.1 is a private network address'],
    ['cloud metadata 169.254.169.254', 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address (such as cloud metadata)'],
    ['CGNAT 100.64/10', 'http://100.64.0.1/hook', '100.64.0.1 is a carrier-grade NAT address'],
    ['[::1]', `http://[::1]:PORT6/hook`, '::1 is a loopback address'],
    ['[::ffff:127.0.0.1]', `http://[::ffff:127.0.0.1]:PORT4/hook`, '::ffff:7f00:1 is an IPv4-mapped IPv6 address'],
    ['ULA fc00::/7', 'http://[fc00::1]/hook', 'fc00::1 is a unique local (private IPv6) address'],
    ['link-local fe80::/10', 'http://[fe80::1]/hook', 'fe80::1 is a link-local address (such as cloud metadata)'],
    ['0.0.0.0', `http://0.0.0.0:PORT4/hook`, '0.0.0.0 is an unspecified address'],
    ['multicast', 'http://224.0.0.1/hook', '224.0.0.1 is a multicast address'],
    ['broadcast', 'http://255.255.255.255/hook', '255.255.255.255 is a broadcast address'],
    ['a name resolving to a private address', 'http://internal.example/hook', 'host internal.example resolves to 10.1.2.3, a private network address'],
    ['a name resolving to cloud metadata', 'http://metadata.example/', 'host metadata.example resolves to 169.254.169.254, a link-local address (such as cloud metadata)'],
    ['a name with one public and one private address', 'http://mixed.example/', 'host mixed.example resolves to 192.168.0.10, a private network address'],
    ['a name resolving to an IPv4-mapped private address', 'http://mapped.example/', 'host mapped.example resolves to ::ffff:10.0.0.1, an IPv4-mapped IPv6 address'],
    ['a name resolving to a ULA', 'http://ula.example/', 'host ula.example resolves to fd00::1234, a unique local (private IPv6) address'],
  ] as const;
const hostile = () => HOSTILE.map(([name, url, reason]) => [name, url.replace('PORT4', String(v4.port)).replace('PORT6', String(v6.port)), reason] as const);

describe('the guard refuses hostile targets without the allow-list', () => {
  it('has at least 12 hostile cases', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(12);
  });

  it.each(HOSTILE.map((h, i) => [h[0], i] as const))('%s', async (_name, i) => {
    const [, url, reason] = hostile()[i]!;
    const err = await checkTarget(url, { allowCidrs: [], lookup }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetRefused);
    expect((err as Error).message).toBe(`${reason}; Greenlight does not deliver to internal networks`);
  });

  it.each([
    ['ftp', 'ftp://example.com/x', 'must use http or https'],
    ['file', 'file:///etc/passwd', 'must use http or https'],
    ['credentials in the URL', 'http://user:pw@public.example/', 'must not carry credentials in the URL; use callback headers'],
    ['not a URL', 'not a url', 'is not a valid URL'],
  ])('refuses %s', async (_n, url, message) => {
    await expect(checkTarget(url, { allowCidrs: [], lookup })).rejects.toThrow(message);
  });

  it('allows a public address and returns it as the one to connect to', async () => {
    await expect(checkTarget('https://public.example/x', { allowCidrs: [], lookup })).resolves.toMatchObject({
      hostname: 'public.example',
      address: '93.184.216.34',
      family: 4,
    });
  });

  it('allows an internal network only when it is listed, and only that one', async () => {
    const allow = parseAllowCidrs('127.0.0.0/8, ::1/128');
    await expect(checkTarget(`http://127.0.0.1:${v4.port}/`, { allowCidrs: allow })).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(checkTarget('http://10.0.0.5/', { allowCidrs: allow })).rejects.toThrow('10.0.0.5 is a private network address');
    // An allowed IPv4 network does not open its IPv4-mapped IPv6 spelling.
    await expect(checkTarget(`http://[::ffff:127.0.0.1]/`, { allowCidrs: allow })).rejects.toThrow('IPv4-mapped');
  });

  it.each(['127.0.0.1', '10.0.0.0/33', 'fc00::/129', 'nonsense'])('refuses the allow-list entry %s', (entry) => {
    expect(() => parseAllowCidrs(entry)).toThrow(`"${entry}" is not a network in CIDR notation, such as 127.0.0.0/8 or ::1/128`);
  });
});

describe('the sender never connects to a refused target', () => {
  it('each hostile target becomes a failed attempt with the reason, and the loopback listeners see no connection', async () => {
    const send = httpSender({ guard: { allowCidrs: [], lookup }, timeoutMs: 2000 });
    for (const [, url, reason] of hostile()) {
      const r = await send({ url, headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(r).toMatchObject({ statusCode: null, error: `target refused: ${reason}; Greenlight does not deliver to internal networks` });
    }
    expect(v4.connections).toBe(0);
    expect(v6.connections).toBe(0);
  });

  it('a public URL that redirects to loopback: the redirect is not followed', async () => {
    // 127.0.0.2 stands in for a public site: it alone is allowed; the loopback listener is not.
    const send = httpSender({ guard: { allowCidrs: parseAllowCidrs('127.0.0.2/32') }, timeoutMs: 2000 });
    const r = await send({ url: `${redirector.url}/hook`, headers: {}, body: '{}' });
    expect(r.statusCode).toBe(302);
    expect(r.error).toBe(`redirect to ${v4.url}/steal not followed: receivers must answer 2xx themselves`);
    expect(redirector.received).toHaveLength(1);
    expect(v4.connections).toBe(0);
  });

  it('connects to the checked address, not to a second DNS answer (rebinding)', async () => {
    // The first lookup answers with the allowed receiver; any later lookup would answer with a forbidden
    // address. Only one lookup happens, so the request reaches the receiver that was checked.
    const rebind = await startReceiver();
    let calls = 0;
    const flipping: HostLookup = async () => [{ address: calls++ === 0 ? '127.0.0.1' : '10.9.9.9', family: 4 }];
    const send = httpSender({ guard: { allowCidrs: parseAllowCidrs('127.0.0.1/32'), lookup: flipping }, timeoutMs: 2000 });
    const r = await send({ url: `http://rebind.example:${rebind.port}/hook`, headers: {}, body: '{}' });
    expect(r).toMatchObject({ statusCode: 200, error: null });
    expect(calls).toBe(1);
    expect(rebind.received[0]!.headers.host).toBe(`rebind.example:${rebind.port}`);
    await rebind.close();
  });
});

describe('at creation, the API refuses hostile targets (400 VALIDATION_ERROR)', () => {
  it.each([
    ['loopback', 'http://127.0.0.1:9/hook', '127.0.0.1 is a loopback address'],
    ['localhost', 'http://localhost/hook', 'host localhost resolves to 127.0.0.1, a loopback address'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address (such as cloud metadata)'],
    ['10/8', 'http://10.0.0.5/hook', '10.0.0.5 is a private network address'],
    ['0.0.0.0', 'http://0.0.0.0/hook', '0.0.0.0 is an unspecified address'],
  ])('%s as a webhook url and as a callback_url', async (_n, url, reason) => {
    const seed = await seedOrg(server.db);
    const message = `${reason}; Greenlight does not deliver to internal networks`;
    const hook = await server.http(seed.key).post('/api/v1/webhooks').send({ url, events: ['approval.approved'] }).expect(400);
    expect(hook.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: `url: ${message}` });
    const cb = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: url })).expect(400);
    expect(cb.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: `callback_url: ${message}`,
      details: { location: 'body', issues: [{ path: 'callback_url', code: 'custom', message }] },
    });
    const { rows } = await server.db.query('SELECT 1 FROM approvals WHERE org_id = $1 UNION ALL SELECT 1 FROM webhook_subscriptions WHERE org_id = $1', [seed.org.id]);
    expect(rows).toHaveLength(0);
  });

  it('refuses IPv6 literals such as [::1] already in the URL schema', async () => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).post('/api/v1/webhooks').send({ url: `http://[::1]:${v6.port}/`, events: ['approval.approved'] }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'url: Invalid URL' });
  });

  it('accepts a name that does not resolve yet (every delivery checks it again)', async () => {
    const seed = await seedOrg(server.db);
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: 'https://not-yet-in-dns.invalid/hook' })).expect(201);
  });
});

describe('at delivery, a target that became hostile is refused and logged', () => {
  it('a decision whose callback_url points at loopback: the attempt fails with the reason and nothing connects', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: 'https://not-yet-in-dns.invalid/hook' })).expect(201);
    // As if DNS (or a direct edit) turned the target inward after creation.
    await server.db.query('UPDATE approvals SET callback_url = $2 WHERE id = $1', [created.body.id, `http://127.0.0.1:${v4.port}/hook`]);
    const decided = await server.http(approver.key).patch(`/api/v1/approvals/${created.body.id}`).send({ decision: 'approve' }).expect(200);
    expect(decided.body.callback_delivered).toBe(false);
    const log = await server.http(seed.key).get(`/api/v1/deliveries?approval_id=${created.body.id}`).expect(200);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({
      target: 'callback',
      status: 'failed',
      attempt_count: 1,
      attempts: [{ attempt: 1, status_code: null, error: 'target refused: 127.0.0.1 is a loopback address; Greenlight does not deliver to internal networks' }],
    });
    expect(v4.connections).toBe(0);
  });
});
