/**
 * Whose decision it is, from the command line: the automation commands wait on the request they
 * made (or were given) and nothing else. Behind a gateway that mixes answers up (every long poll
 * answered with another request's, approved, from the real server), `wait`, `request --wait` and
 * `run` end with an error (exit 4): nothing exits 0 and no command runs on another request's approval.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGreenlight, startMisroutingProxy, useCliWorld, type SeededOrg, type TestServer } from '../../../../apps/server/src/testing/index.ts';

let server: TestServer;
let org: SeededOrg;
let approverKey: string;
let dir: string;
useCliWorld('Whose decision CLI', (w) => ({ server, org, approverKey, dir } = w));

let other: string;
let proxy: Awaited<ReturnType<typeof startMisroutingProxy>>;
beforeAll(async () => {
  other = (await server.http(org.key).post('/api/v1/approvals').send({ title: 'Another request', description: '', priority: 'low' }).expect(201)).body.id as string;
  await server.http(approverKey).patch(`/api/v1/approvals/${other}`).send({ decision: 'approve' }).expect(200);
  // Every long poll, whichever request it asks about, is answered with the other, approved request's.
  proxy = await startMisroutingProxy(server.url, (path) => path.replace(/\/api\/v1\/approvals\/[^/?]+\/wait/, `/api/v1/approvals/${other}/wait`));
});
afterAll(() => proxy?.close());

const cli = (args: string[]) => runGreenlight(args, { url: proxy.url, apiKey: org.key }).exited;

describe('an answer about another request is never this one\'s outcome', { timeout: 60_000 }, () => {
  it('greenlight wait ID: exit 4 with what happened, the request still pending', async () => {
    const mine = (await server.http(org.key).post('/api/v1/approvals').send({ title: 'Mine', description: '', priority: 'high' }).expect(201)).body.id as string;
    const { code, stdout, stderr } = await cli(['wait', mine, '--timeout', '20s', '--json']);
    expect(code).toBe(4);
    expect(stderr).toContain(`is about request ${other}, not ${mine}`);
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: 'CONTRACT_MISMATCH' } });
    expect((await server.http(org.key).get(`/api/v1/approvals/${mine}`).expect(200)).body.status).toBe('pending');
  });

  it('greenlight request --wait: exit 4', async () => {
    const { code, stderr } = await cli(['request', '--title', 'Ship it', '--wait', '--timeout', '20s']);
    expect(code).toBe(4);
    expect(stderr).toContain(`is about request ${other}`);
  });

  it('greenlight run: the command never runs', async () => {
    const log = join(dir, 'ran.log');
    const command = [process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(log)}, 'ran\\n')`];
    const { code, stderr } = await cli(['run', '--title', 'Drop the staging DB', '--timeout', '20s', '--', ...command]);
    expect(code).toBe(4);
    expect(stderr).toContain(`is about request ${other}`);
    expect(await readFile(log, 'utf8').catch(() => '')).toBe('');
  });
});
