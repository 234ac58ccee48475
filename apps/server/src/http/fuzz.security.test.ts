/**
 * Malformed requests to every route of the contract's table (fast-check, bounded to about a minute):
 * broken percent-encoding and odd text in path ids, NUL, lone surrogates and junk in query strings,
 * random and malformed JSON bodies (deep, wide, wrong types, escaped NUL and surrogates), undecodable
 * compressed bodies, missing or garbage credentials. Every answer is below 500; every 4xx is the
 * error envelope with a code whose status it carries; a refused request writes no row; the server is
 * healthy afterwards. bench/faults.ts runs the same generator for 10,000 requests.
 *
 * The server's own pages and protocol endpoints (sign-in, sign-out, the password page, OAuth, decision
 * links, Slack; every route outside /api/v1 that takes a body, read from the app's router) get
 * malformed forms: more fields than body-parser allows, larger than the page's limit, odd text and
 * encodings. Each answer is below 500; a form refused for its size is 413 in the envelope.
 */
import supertest from 'supertest';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorEnvelope } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { answerProblem, formOfFields, fuzzPageRequest, fuzzRequest, ownBodyRoutes, rowCounts, sendFuzzed, type FuzzContext, type PageRoute } from '../testing/fuzz.ts';

let server: TestServer;
let seed: SeededOrg;
let ctx: FuzzContext;
let pages: PageRoute[];
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  const approval = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  ctx = { url: server.url, key: seed.key, ids: [approval.id] };
  pages = ownBodyRoutes(server.server.listeners('request')[0] as unknown as Parameters<typeof ownBodyRoutes>[0]);
}, 60_000);
afterAll(() => server.stop(), 60_000);

describe('fuzzed requests to every route', () => {
  it('never answer 5xx, answer every 4xx in the envelope, write nothing when refused, and leave the server healthy', { timeout: 120_000 }, async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequest(ctx), async (request) => {
        const before = await rowCounts(server.db);
        const res = await sendFuzzed(ctx, request);
        sent++;
        if (res === 'streaming') return;
        expect(res.status, `${request.method} ${request.path}`).toBeLessThan(500);
        expect(answerProblem(res, request), `${request.method} ${request.path}`).toBeUndefined();
        if (res.status >= 400) {
          expect(await rowCounts(server.db), `${request.method} ${request.path} → ${res.status} wrote a row`).toEqual(before);
        }
      }),
      { numRuns: 2_000, interruptAfterTimeLimit: 50_000, markInterruptAsFailure: false },
    );
    expect(sent).toBeGreaterThan(50);
    await supertest(server.url).get('/healthz').expect(200);
    await supertest(server.url).get('/readyz').expect(200);
    await server.http(seed.key).get('/api/v1/approvals').expect(200);
  });
});

describe("fuzzed forms to the server's own pages", () => {
  it('finds the pages that take a form', () => {
    const paths = pages.map((p) => `${p.method.toUpperCase()} ${p.path}`);
    for (const page of ['/sign-in', '/sign-out', '/sign-in/:token', '/account/password', '/oauth/authorize', '/oauth/token', '/oauth/revoke', '/decide']) {
      expect(paths).toContain(`POST ${page}`);
    }
  });

  // A form over a limit is refused by every route that reads one (413); a route that reads no form
  // answers as for any other body. Either way a 4xx, never a 500.
  const oversized: [string, string, (page: PageRoute) => boolean][] = [
    ['1,001 fields', formOfFields(1_001), () => true],
    ['5,000 fields', formOfFields(5_000), () => true],
    ['51 fields (the OAuth endpoints read 50)', formOfFields(51), (page) => page.path.startsWith('/oauth/')],
    ['a 300 kB form', `csrf=x&email=${'a'.repeat(300_000)}`, () => true],
  ];
  it.each(oversized)('%s: every page answers a 4xx, never 500; a form refused for its size says so with 413', async (_case, form, refused) => {
    for (const page of pages) {
      const res = await sendFuzzed(ctx, {
        method: page.method as 'post',
        path: page.path.replace(/:\w+/g, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        streaming: false,
        errorBody: ErrorEnvelope,
      });
      if (res === 'streaming') continue;
      const where = `${page.method.toUpperCase()} ${page.path}`;
      expect(res.status, where).toBeLessThan(500);
      if (!refused(page)) continue;
      expect(res.status, where).toBeGreaterThanOrEqual(400);
      if (res.status === 413) {
        const body = res.body as { error?: { code?: string } | string };
        // The API's envelope, or RFC 6749's (7591's) error on the OAuth endpoints that speak it.
        if (typeof body.error === 'object') {
          expect(answerProblem(res, { errorBody: ErrorEnvelope }), where).toBeUndefined();
          expect(body.error.code, where).toBe('PAYLOAD_TOO_LARGE');
        } else expect(['invalid_request', 'invalid_client_metadata'], where).toContain(body.error);
      }
    }
  });

  it('never answer 5xx to random malformed forms, and leave the server healthy', { timeout: 120_000 }, async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fuzzPageRequest(pages, ctx.ids), async (request) => {
        const res = await sendFuzzed(ctx, request);
        sent++;
        if (res === 'streaming') return;
        expect(res.status, `${request.method} ${request.path}`).toBeLessThan(500);
        if (res.status >= 400 && res.contentType.startsWith('application/json') && typeof (res.body as { error?: unknown })?.error === 'object') {
          expect(answerProblem(res, { errorBody: ErrorEnvelope }), `${request.method} ${request.path}`).toBeUndefined();
        }
      }),
      { numRuns: 600, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: false },
    );
    expect(sent).toBeGreaterThan(50);
    await supertest(server.url).get('/healthz').expect(200);
  });
});
