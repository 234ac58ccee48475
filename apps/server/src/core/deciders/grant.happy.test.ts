/**
 * The grants a create reads: only those whose glob can match its action type, found by the glob's
 * literal prefix, and never one that could match left out. Checked against picomatch's own answer
 * (grantMatches) for globs of every kind the routing rules accept.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { grantMatches, liveGrantsFor } from './grant.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop());

const GLOBS = ['*', '**', 'deploy.*', 'deploy.web', 'deploy.web*', 'dep?oy.*', '{deploy,build}.*', 'deploy.[a-z]*', 'deploy.(web|api)', 'build.*', 'deploy.api', 'deploy.web.eu', '+(deploy).web', '@(deploy).web', 'deploy\\.web'];
const ACTIONS = ['deploy.web', 'deploy.api', 'build.x', 'deploy', 'deploy.web.eu', 'deployment.web', 'd'];

describe('liveGrantsFor', () => {
  it('reads every live grant whose glob matches the action type (and the session), and only grants that can', async () => {
    const seed = await seedOrg(server.db);
    const { rows: [conn] } = await server.db.query<{ id: string }>('SELECT id FROM connections WHERE org_id = $1 LIMIT 1', [seed.org.id]);
    const insert = (actionType: string, session: string | null = null) =>
      server.db.query(
        `INSERT INTO grants (id, org_id, given_by, given_on, connection_id, agent_session, action_type, expires_at, max_uses)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + interval '1 hour', 5)`,
        [randomUUID(), seed.org.id, seed.admin.id, randomUUID(), conn!.id, session, actionType],
      );
    for (const glob of GLOBS) await insert(glob);
    await insert('deploy.*', 'run-1');
    for (const action of ACTIONS) {
      for (const session of [null, 'run-1', 'run-2']) {
        const read = await liveGrantsFor(server.db, seed.org.id, conn!.id, action, session);
        const request = { action_type: action, metadata: session ? { session_id: session } : {} } as Parameters<typeof grantMatches>[1];
        const matching = read.filter((g) => grantMatches(g, request)).map((g) => `${g.action_type}|${g.agent_session}`).sort();
        const expected = [...GLOBS.map((g) => ({ action_type: g, agent_session: null })), { action_type: 'deploy.*', agent_session: 'run-1' }]
          .filter((g) => grantMatches({ ...g, fields: {} }, request))
          .map((g) => `${g.action_type}|${g.agent_session}`)
          .sort();
        expect(matching, `${action} in ${session}`).toEqual(expected);
        // What the prefix reads is a superset of what matches, and no grant of another session.
        expect(read.every((g) => g.agent_session === null || g.agent_session === session)).toBe(true);
      }
    }
    // A glob that starts with a glob character has no prefix: it is read for every action type.
    const few = await liveGrantsFor(server.db, seed.org.id, conn!.id, 'build.x', null);
    expect(few.map((g) => g.action_type).sort()).toEqual(['*', '**', '+(deploy).web', '@(deploy).web', 'build.*', '{deploy,build}.*']);
  });
});
