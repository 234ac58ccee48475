/**
 * `greenlight decide ID approve --for … --uses … --session`: a standing grant given from the command
 * line with a person's credential (an OAuth grant's access token in GREENLIGHT_API_KEY), checked by the
 * contract's GiveGrant before anything is sent, asked of `viewer_can.grant` before the vote, and given
 * through the API; it then approves the connection's next matching request. Refusals exit 4 with the
 * reason and leave the request as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantAccessToken, memberWithPassword, runGreenlight, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../../../apps/server/src/testing/index.ts';

let server: TestServer;
let org: SeededOrg;
let personToken: string;
let person: { id: string };

beforeAll(async () => {
  server = await startTestServer();
  org = await seedOrg(server.db, 'CLI grants');
  const member = await memberWithPassword(server, org, 'approver');
  person = member;
  personToken = await grantAccessToken(server, org, member, ['approvals:read', 'approvals:write']);
}, 60_000);
afterAll(() => server.stop());

const ask = async (overrides: Record<string, unknown> = {}) =>
  (await server.http(org.key).post('/api/v1/approvals').send({ title: 'Deploy', description: 'A release', action_type: 'deploy.staging', priority: 'medium', ...overrides }).expect(201)).body as {
    id: string;
    status: string;
  };
const decide = (args: string[], apiKey = personToken) => runGreenlight(['decide', ...args], { url: server.url, apiKey }).exited;
const grantsOn = async (id: string) =>
  (await server.db.query<{ given_by: string; max_uses: number | null; agent_session: string | null; secs: number }>(
    'SELECT given_by, max_uses, agent_session, extract(epoch FROM expires_at - created_at)::int AS secs FROM grants WHERE given_on = $1',
    [id],
  )).rows;
const statusOf = async (id: string) => (await server.http(org.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status as string;

describe('greenlight decide with a grant', { timeout: 60_000 }, () => {
  it('--for 1d --uses 2 --session approves and gives the grant, which approves the next request of the session', async () => {
    const a = await ask({ metadata: { session_id: 'run-7' } });
    const done = await decide([a.id, 'approve', '--for', '1d', '--uses', '2', '--session', '--json']);
    expect(done, done.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(done.stdout)).toMatchObject({ id: a.id, status: 'approved' });
    expect(await grantsOn(a.id)).toEqual([{ given_by: person.id, max_uses: 2, agent_session: 'run-7', secs: 86_400 }]);
    expect(await ask({ metadata: { session_id: 'run-7' } })).toMatchObject({ status: 'approved', decided_by_type: 'grant' });
    expect((await ask({ metadata: { session_id: 'run-8' } })).status).toBe('pending');
  });

  it('--for 90m with a field: the grant as the flags say', async () => {
    const a = await ask({ action_type: 'deploy.eu', tags: { env: 'staging' } });
    const done = await decide([a.id, 'approve', '--for', '90m', '--grant-action-type', 'deploy.*', '--grant-field', 'tags.env=staging']);
    expect(done, done.stderr).toMatchObject({ code: 0 });
    const { rows } = await server.db.query('SELECT action_type, fields, extract(epoch FROM expires_at - created_at)::int AS secs FROM grants WHERE given_on = $1', [a.id]);
    expect(rows).toEqual([{ action_type: 'deploy.*', fields: { 'tags.env': 'staging' }, secs: 5400 }]);
  });

  it.each([
    [['--for', '2y'], 'error: --for must be a duration'],
    [['--for', '31d'], 'error: --for: Too big'],
    [['--uses', '0'], 'error: --uses: Too small'],
    [['--uses', 'many'], 'error: --uses is a whole number, not "many"'],
    [['--grant-field', 'tags.env'], 'error: --grant-field is KEY=GLOB, not "tags.env"'],
    [['--grant-field', 'callback_url=x'], 'error: --grant-field: "callback_url": a field is source, priority'],
  ])('%j: refused before anything is sent (exit 4), nothing decided', async (flags, message) => {
    const a = await ask({ action_type: 'flags.check' });
    const done = await decide([a.id, 'approve', ...flags]);
    expect(done.code).toBe(4);
    expect(done.stderr).toContain(message);
    expect(await statusOf(a.id)).toBe('pending');
    expect(await grantsOn(a.id)).toEqual([]);
  });

  it('with reject: refused, a grant goes only with an approval', async () => {
    const a = await ask({ action_type: 'flags.check' });
    const done = await decide([a.id, 'reject', '--for', '1h']);
    expect(done.code).toBe(4);
    expect(done.stderr).toContain('error: a grant is given only with "approve"');
    expect(await statusOf(a.id)).toBe('pending');
  });

  it('where viewer_can.grant refuses (critical; an API key): exit 4 with the server’s reason, no vote cast, nothing given', async () => {
    const critical = await ask({ priority: 'critical' });
    const byPerson = await decide([critical.id, 'approve', '--for', '1h']);
    expect(byPerson.code).toBe(4);
    expect(byPerson.stderr).toContain('you cannot give a grant on this request: A critical request of action type deploy.staging never goes without a person');
    const key = (await org.newKey({ name: 'approver key' })).key;
    const a = await ask({ action_type: 'key.check' });
    const byKey = await decide([a.id, 'approve', '--uses', '3'], key);
    expect(byKey.code).toBe(4);
    expect(byKey.stderr).toContain('A grant is given by a person: an API key cannot give one');
    for (const id of [critical.id, a.id]) {
      expect(await statusOf(id)).toBe('pending');
      expect(await grantsOn(id)).toEqual([]);
    }
  });
});
