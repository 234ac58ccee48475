/**
 * Malformed requests to every route of the contract's table (fast-check, bounded to about a minute):
 * broken percent-encoding and odd text in path ids, NUL, lone surrogates and junk in query strings,
 * random and malformed JSON bodies (deep, wide, wrong types, escaped NUL and surrogates), undecodable
 * compressed bodies, missing or garbage credentials. Every answer is below 500; every 4xx is the
 * error envelope with a code whose status it carries; a refused request writes no row; the server is
 * healthy afterwards. bench/faults.ts runs the same generator for 10,000 requests.
 */
import supertest from 'supertest';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { answerProblem, fuzzRequest, rowCounts, sendFuzzed, type FuzzContext } from '../testing/fuzz.ts';

let server: TestServer;
let seed: SeededOrg;
let ctx: FuzzContext;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  const approval = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  ctx = { url: server.url, key: seed.key, ids: [approval.id] };
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
        expect(answerProblem(res), `${request.method} ${request.path}`).toBeUndefined();
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
