/** Bad Slack settings get a 400 naming what is wrong; nothing is stored. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let admin: SignedIn;
let orgId: string;

beforeAll(async () => {
  server = await startTestServer();
  const seed = await seedOrg(server.db);
  orgId = seed.org.id;
  admin = await signedIn(server, seed);
}, 60_000);

afterAll(() => server?.stop());

const TOKEN = 'xoxb-1111-2222-abcdefghijklmnop';
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

it.each([
  ['the first configuration without a signing secret', { bot_token: TOKEN }, 'signing_secret'],
  ['the first configuration without a bot token', { signing_secret: SECRET, default_channel: '#a' }, 'bot_token'],
  ['a token that is not a bot token', { bot_token: 'ghp_abcdefghijklmnopqrstuvwxyz', signing_secret: SECRET }, 'bot_token'],
  ['a signing secret with other characters', { bot_token: TOKEN, signing_secret: 'not a secret!' }, 'signing_secret'],
  ['a channel with spaces', { bot_token: TOKEN, signing_secret: SECRET, default_channel: '#my channel' }, 'default_channel'],
  ['a channel name in capitals (Slack has none)', { bot_token: TOKEN, signing_secret: SECRET, default_channel: '#Approvals' }, 'default_channel'],
  ['a channel name longer than Slack allows', { bot_token: TOKEN, signing_secret: SECRET, default_channel: `#${'a'.repeat(81)}` }, 'default_channel'],
  ['dm_approvers not a boolean', { bot_token: TOKEN, signing_secret: SECRET, dm_approvers: 'yes' }, 'dm_approvers'],
  ['an unknown field', { bot_token: TOKEN, signing_secret: SECRET, webhook_url: 'https://example.test' }, ''],
])('%s → 400 VALIDATION_ERROR', async (_, body, field) => {
  const res = await admin.http().patch('/api/v1/org/slack').send(body).expect(400);
  expect(res.body.error.code).toBe('VALIDATION_ERROR');
  expect(JSON.stringify(res.body.error)).toContain(field);
  // A refused secret is never echoed back.
  if ('bot_token' in body) expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  const { rows } = await server.db.query('SELECT 1 FROM slack_settings WHERE org_id = $1', [orgId]);
  expect(rows).toHaveLength(0);
});

it('a body that is not JSON → 400, never 500', async () => {
  const res = await admin.http().patch('/api/v1/org/slack').set('Content-Type', 'application/json').send('{"bot_token":').expect(400);
  expect(res.body.error.code).toBeDefined();
});
