import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { sqlState } from '../../storage/database.ts';
import { csvField } from './export-audit-log.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
});
afterAll(() => server.stop());

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'allowed',
    (err: unknown) => sqlState(err),
  );

describe('the audit log is append-only in the database', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of entries, whoever asks', async () => {
    const seed = await seedOrg(server.db);
    await (await signedIn(server, seed)).http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    const { rows } = await server.db.query<{ id: string }>(`SELECT id::text AS id FROM audit_log WHERE org_id = $1 AND type = 'emergency_stop.enabled'`, [seed.org.id]);
    expect(rows).toHaveLength(1);
    expect(await refusal(server.db.query(`UPDATE audit_log SET type = 'emergency_stop.disabled' WHERE id = $1`, [rows[0]!.id]))).toBe('42501');
    expect(await refusal(server.db.query('DELETE FROM audit_log WHERE id = $1', [rows[0]!.id]))).toBe('42501');
    expect(await refusal(server.db.query('TRUNCATE audit_log'))).toBe('42501');
    expect((await server.db.query(`SELECT 1 FROM audit_log WHERE id = $1 AND type = 'emergency_stop.enabled'`, [rows[0]!.id])).rows).toHaveLength(1);
  });

  it('writes nothing when the action rolls back', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    // The last admin cannot be demoted: refused, and no entry says otherwise.
    await admin.http().patch(`/api/v1/members/${seed.admin.id}`).send({ role: 'viewer' }).expect(409);
    const log = (await admin.http().get('/api/v1/audit-log').expect(200)).body.data as { type: string }[];
    expect(log.map((e) => e.type)).toEqual(['connection.created']);
  });

  it('refuses a page token it did not answer', async () => {
    const admin = await signedIn(server, await seedOrg(server.db));
    for (const token of ['nope', Buffer.from('audit:0').toString('base64url'), Buffer.from('audit:1; DROP').toString('base64url')]) {
      const res = await admin.http().get(`/api/v1/audit-log?page_token=${token}`).expect(400);
      expect(res.body.error.code).toBe('INVALID_PAGE_TOKEN');
    }
  });
});

describe('CSV export', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
  ])('writes %j as %j', (value, cell) => {
    expect(csvField(value)).toBe(cell);
  });
});
