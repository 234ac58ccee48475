import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, testConfig, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { runCli } from './run-cli.ts';

let server: TestServer;
let seed: SeededOrg;
let work: string;
const ids: string[] = [];
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gl-export-'));
  server = await startTestServer();
  seed = await seedOrg(server.db);
  const other = await seedOrg(server.db);
  const approver = (await seed.newKey()).key;
  for (let i = 0; i < 3; i++) ids.push((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: `r${i}` })).expect(201)).body.id);
  await server.http(other.key).post('/api/v1/approvals').send(approvalBody({ title: 'another org' })).expect(201);
  await server.http(approver).patch(`/api/v1/approvals/${ids[1]}`).send({ decision: 'reject', comment: 'no' }).expect(200);
  await server.db.query("UPDATE approvals SET created_at = '2020-01-01T00:00:00Z' WHERE id = $1", [ids[0]]);
});
afterAll(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

const run = (...argv: string[]) => runCli(argv, { config: testConfig(), withDatabase: (fn) => fn(server.db) });
const lines = (text: string) => text.trimEnd().split('\n').map((l) => JSON.parse(l) as { approval: { id: string; status: string }; events: { type: string }[] });

describe('greenlight-admin export', () => {
  it('writes the org’s requests created since the date, in creation order, each with its events, as JSON Lines', async () => {
    const r = await run('export', '--org', seed.org.slug, '--since', '2021-01-01');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const exported = lines(r.stdout);
    expect(exported.map((l) => l.approval.id)).toEqual([ids[1], ids[2]]);
    expect(exported[0]!.approval.status).toBe('rejected');
    expect(exported[0]!.events.map((e) => e.type)).toEqual(['approval.created', 'approval.rejected']);
    expect(exported[1]!.events.map((e) => e.type)).toEqual(['approval.created']);

    const all = lines((await run('export', '--org', seed.org.slug, '--since', '2019-12-31T23:00:00Z')).stdout);
    expect(all.map((l) => l.approval.id)).toEqual(ids);
  });

  it('--out writes a file readable by its owner only, and says how many it wrote', async () => {
    const out = join(work, 'archive.jsonl');
    const r = await run('export', '--org', seed.org.slug, '--since', '2021-01-01', '--out', out);
    expect(r).toEqual({ exitCode: 0, stdout: `Exported 2 requests of org ${seed.org.slug} created since 2021-01-01T00:00:00.000Z to ${out}\n`, stderr: '' });
    expect(lines(await readFile(out, 'utf8')).map((l) => l.approval.id)).toEqual([ids[1], ids[2]]);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it.each([
    [['export', '--org', 'nope-nope', '--since', '2021-01-01'], 1, /^error: org not found: nope-nope\n$/],
    [['export', '--since', '2021-01-01'], 2, /^error: --org: is required/],
    [['export', '--org', 'acme'], 2, /^error: --since: is required/],
    [['export', '--org', 'acme', '--since', 'yesterday'], 2, /^error: --since: must be a date or an ISO 8601 time/],
    [['export', '--org', 'acme', '--since', '2021-01-01', '--out', 'relative.jsonl'], 2, /^error: --out: must be an absolute path/],
  ])('%j → exit %i', async (argv, code, message) => {
    const r = await run(...argv);
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toMatch(message);
  });
});
