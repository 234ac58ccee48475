/**
 * The replay of a candidate set against 2,000 decided requests, checked against an oracle written
 * here by hand from the candidate's text (not through the evaluator): the counts and every request
 * the candidate would decide otherwise than it was decided.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  admin = await signedIn(server, seed);
}, 60_000);
afterAll(() => server.stop());

const NEVER = { priorities: ['critical'], action_types: ['payments.*'] };
const CANDIDATE = `
@id("reads")
permit (principal, action, resource)
when { resource has action_type && resource.action_type like "read.*" };

@id("no-prod")
forbid (principal, action, resource)
when { resource.hasTag("env") && resource.getTag("env") == "prod" };

@id("office-hours-low")
permit (principal, action, resource)
when { resource.priority_rank <= 1 && context.time.hour >= 9 && context.time.hour < 17 };
`;

const ACTION_TYPES = ['read.logs', 'deploy.web', 'read.db', null, 'payments.read', 'reader'] as const;
const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
const BASE = Date.parse('2026-11-01T00:00:00Z');

/** Request i of the history: its fields, when it was created, and how it was decided. */
function historic(i: number) {
  return {
    title: `Request ${i}`,
    action_type: ACTION_TYPES[i % ACTION_TYPES.length]!,
    priority: PRIORITIES[Math.floor(i / 3) % PRIORITIES.length]!,
    tags: i % 7 === 0 ? { env: 'prod' } : i % 5 === 0 ? { env: 'staging' } : {},
    created_at: new Date(BASE + i * 37 * 60_000),
    status: i % 3 === 0 ? 'rejected' : 'approved',
  };
}

/** The candidate, read by hand: a forbid wins; critical and payments.* are never approved; else a permit approves. */
function oracle(r: ReturnType<typeof historic>): 'approve' | 'reject' | 'none' {
  if (r.tags.env === 'prod') return 'reject';
  const hour = r.created_at.getUTCHours();
  const permitted = (r.action_type !== null && r.action_type.startsWith('read.')) || (r.priority === 'low' && hour >= 9 && hour < 17);
  if (!permitted) return 'none';
  if (r.priority === 'critical' || (r.action_type ?? '').startsWith('payments.')) return 'none';
  return 'approve';
}

const N = 2000;

describe('POST /policies/replay', () => {
  it(`replays the latest ${N} decided requests as the oracle says, listing every disagreement`, async () => {
    const rows = Array.from({ length: N }, (_, i) => historic(i));
    // The history, written directly (tests may): decided requests of every kind, and one pending that is not replayed.
    await server.db.query(
      `INSERT INTO approvals (org_id, connection_id, requested_by_type, requested_by_id, requested_by_name, title, description, priority, action_type,
                              tags, status, created_at, decided_at, decided_by_type)
       SELECT $1, $2, 'connection', $2, 'primary', r.title, '', r.priority, r.action_type, r.tags, r.status, r.created_at, r.created_at, 'user'
         FROM jsonb_to_recordset($3::jsonb) AS r(title text, priority text, action_type text, tags jsonb, status text, created_at timestamptz)`,
      [seed.org.id, seed.connectionId, JSON.stringify(rows)],
    );
    await server.db.query(
      `INSERT INTO approvals (org_id, requested_by_type, requested_by_id, title, description, priority, action_type, created_at)
       VALUES ($1, 'connection', $2, 'still pending', '', 'low', 'read.logs', now())`,
      [seed.org.id, seed.connectionId],
    );

    const res = await admin.http().post('/api/v1/policies/replay').send({ source: CANDIDATE, never_without_person: NEVER, limit: N }).expect(200);
    const verdicts = rows.map(oracle);
    const expected = {
      approve: verdicts.filter((v) => v === 'approve').length,
      reject: verdicts.filter((v) => v === 'reject').length,
      none: verdicts.filter((v) => v === 'none').length,
    };
    const otherwise = rows
      .map((r, i) => ({ r, v: verdicts[i]! }))
      .filter(({ r, v }) => (v === 'approve' && r.status === 'rejected') || (v === 'reject' && r.status === 'approved'));
    expect(expected.approve).toBeGreaterThan(100);
    expect(expected.reject).toBeGreaterThan(100);
    expect(otherwise.length).toBeGreaterThan(100);

    expect(res.body).toMatchObject({ replayed: N, would_approve: expected.approve, would_reject: expected.reject, no_decision: expected.none });
    const got = res.body.disagreements as { title: string; decided: string; candidate: string; policy_id: string; approval_id: string }[];
    expect(got.map((d) => `${d.title} ${d.decided} ${d.candidate}`).sort()).toEqual(otherwise.map(({ r, v }) => `${r.title} ${r.status} ${v}`).sort());
    expect(res.body.approves_rejected).toBe(otherwise.filter(({ v }) => v === 'approve').length);
    expect(got.every((d) => /^[0-9a-f-]{36}$/.test(d.approval_id))).toBe(true);
    expect(res.body.sentences[0]).toBe(
      `Replayed the latest ${N} decided requests: the candidate would approve ${expected.approve}, reject ${expected.reject} and leave ${expected.none} to people.`,
    );
    // Nothing was saved.
    expect((await admin.http().get('/api/v1/policies').expect(200)).body.version).toBe(0);
  }, 120_000);

  it('refuses a candidate that PUT would refuse, at its line', async () => {
    const res = await admin.http().post('/api/v1/policies/replay').send({ source: '@id("a")\npermit (principal, action, resource)\nwhen { resource.nope };', never_without_person: NEVER });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('source: line 3, column 8');
    for (const limit of [0, 2001, 'many']) {
      expect((await admin.http().post('/api/v1/policies/replay').send({ source: '', never_without_person: NEVER, limit })).status).toBe(400);
    }
  });
});
