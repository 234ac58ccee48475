/**
 * What the Slack tests share: a Greenlight server with email (a real SMTP server) and Slack (a local
 * stand-in for the Web API), an org whose Slack app is configured through the API, and a signed click.
 */
import supertest from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
import { signedIn, type SignedIn } from './session.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp.ts';
import { mailConfig, notificationsSettled } from './mail-world.ts';
import { interactivityBody, slackSignature, startSlackApi, type SlackCall, type TestSlackApi } from './slack.ts';

export const BOT_TOKEN = 'xoxb-1111-2222-abcdefghijklmnop';

export interface SlackWorld {
  server: TestServer;
  smtp: TestSmtpServer;
  slack: TestSlackApi;
  close(): Promise<void>;
}

/** `config` adds to the server's settings (e.g. GREENLIGHT_CALLBACK_ALLOW_CIDRS, for a callback receiver on loopback). */
export async function startSlackWorld(config: Record<string, string> = {}): Promise<SlackWorld> {
  const smtp = await startSmtpServer();
  const slack = await startSlackApi();
  const server = await startTestServer({ config: mailConfig(smtp, { GREENLIGHT_SLACK_API_URL: slack.url, GREENLIGHT_DELIVERY_TIMEOUT_MS: '3000', ...config }) });
  return {
    server,
    smtp,
    slack,
    async close() {
      await server.stop();
      await smtp.close();
      await slack.close();
    },
  };
}

/** Starts the world before the file's tests (handing it to `use`) and closes it after. */
export function useSlackWorld(use: (w: SlackWorld) => void, config: Record<string, string> = {}): void {
  let w: SlackWorld | undefined;
  beforeAll(async () => {
    w = await startSlackWorld(config);
    use(w);
  }, 60_000);
  afterAll(async () => {
    await w?.close();
  });
}

export interface SlackOrg {
  seed: SeededOrg;
  admin: SignedIn;
  secret: string;
  /** An approver who is in the Slack workspace under the same email. */
  alice: { id: string; email: string; slackId: string };
}

let n = 0;

/** A fresh org with Slack configured (channel #approvals-N, direct messages on) and alice, an approver known to Slack. */
export async function slackOrg(w: Pick<SlackWorld, 'server' | 'slack'>, options: { dm?: boolean; channel?: string | null } = {}): Promise<SlackOrg> {
  const seed = await seedOrg(w.server.db);
  const admin = await signedIn(w.server, seed);
  const secret = `secret${++n}${Date.now().toString(36)}abcdefgh`;
  const alice = await seed.addUser('approver', `alice-${seed.org.slug}@example.test`);
  const slackId = `UALICE${n}`;
  w.slack.addUser({ id: slackId, email: alice.email });
  await admin
    .http()
    .patch('/api/v1/org/slack')
    .send({ bot_token: BOT_TOKEN, signing_secret: secret, default_channel: options.channel === undefined ? `#approvals-${n}` : options.channel, dm_approvers: options.dm ?? true })
    .expect(200);
  return { seed, admin, secret, alice: { ...alice, slackId } };
}

export async function createRequest(w: Pick<SlackWorld, 'server'>, org: SlackOrg, body: Record<string, unknown> = {}): Promise<string> {
  return ((await w.server.http(org.seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body as { id: string }).id;
}

/** The channel message posted for a request. */
export const channelPost = (w: SlackWorld, approvalId: string): SlackCall[] =>
  w.slack.of('chat.postMessage', (c) => String(c.args.channel).startsWith('#') && JSON.stringify(c.args.blocks).includes(approvalId));

/** A button click as Slack posts it, signed with `secret` (at `timestamp`, seconds). */
export function click(
  w: SlackWorld,
  input: { secret: string; approvalId: string; slackUserId: string; action: string; channel?: string; timestamp?: number; tamper?: boolean },
): supertest.Test {
  const payload = {
    type: 'block_actions',
    user: { id: input.slackUserId, username: 'someone' },
    trigger_id: '1234.5678.abcdef',
    channel: { id: input.channel ?? 'C_approvals' },
    container: { type: 'message', message_ts: '1.000100' },
    response_url: 'http://127.0.0.1:9/unused',
    actions: [{ action_id: input.action, block_id: 'greenlight_decision', value: input.approvalId, type: 'button' }],
  };
  const body = interactivityBody(payload);
  const headers = slackSignature(input.secret, body, input.timestamp);
  return supertest(w.server.url)
    .post('/slack/interactivity')
    .set(headers)
    .type('form')
    .send(input.tamper ? body.replace('greenlight', 'greenlighT') : body);
}

/** The comment modal submitted, signed. */
export function submitModal(
  w: SlackWorld,
  input: { secret: string; approvalId: string; slackUserId: string; decision: 'approve' | 'reject' | null; comment?: string; channel?: string | null },
): supertest.Test {
  const payload = {
    type: 'view_submission',
    user: { id: input.slackUserId },
    view: {
      id: 'V1',
      callback_id: 'greenlight_decide',
      private_metadata: JSON.stringify({ approval_id: input.approvalId, channel: input.channel ?? null }),
      state: {
        values: {
          decision: { decision: { type: 'radio_buttons', selected_option: input.decision ? { value: input.decision } : null } },
          comment: { comment: { type: 'plain_text_input', value: input.comment ?? null } },
        },
      },
    },
  };
  const body = interactivityBody(payload);
  return supertest(w.server.url).post('/slack/interactivity').set(slackSignature(input.secret, body)).type('form').send(body);
}

/** Waits until no notification of the request, email or Slack, is pending or in flight. */
export const settled = (w: Pick<SlackWorld, 'server'>, approvalId: string): Promise<void> => notificationsSettled(w.server, approvalId, ['notify', 'email', 'slack']);

export async function statusOf(w: SlackWorld, approvalId: string): Promise<{ status: string; votes: number; decided_by: string | null }> {
  const { rows } = await w.server.db.query<{ status: string; votes: number; decided_by: string | null }>(
    `SELECT a.status, a.decided_by, (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = a.id) AS votes FROM approvals a WHERE a.id = $1`,
    [approvalId],
  );
  return rows[0]!;
}

/** Every block of a Slack message of a given type. */
export const blocksOf = (c: SlackCall, type: string): Record<string, unknown>[] =>
  (c.args.blocks as Record<string, unknown>[]).filter((b) => b.type === type);

/** The answer modal Slack was asked to open for a request's Approve (the last one). */
export function answerView(w: SlackWorld): { trigger_id: string; view: { callback_id: string; private_metadata: string; blocks: Record<string, unknown>[] } } {
  const opened = w.slack.of('views.open', (c) => (c.args.view as { callback_id?: string }).callback_id === 'greenlight_answer').at(-1);
  if (!opened) throw new Error('no answer modal was opened');
  return opened.args as ReturnType<typeof answerView>;
}

/** One input's state in a view_submission, as Slack sends it for its element type. */
export type InputValue =
  | { type: 'plain_text_input' | 'number_input'; value: string | null }
  | { type: 'static_select'; selected_option: { value: string } | null }
  | { type: 'checkboxes' | 'multi_static_select'; selected_options: { value: string }[] };

/** The answer modal submitted, signed with `secret`: each block's input (action_id `value`). `sign: false` sends no signature. */
export function submitAnswer(
  w: SlackWorld,
  input: { secret: string; privateMetadata: string; slackUserId: string; values: Record<string, InputValue>; sign?: boolean },
): supertest.Test {
  const payload = {
    type: 'view_submission',
    team: { id: 'T1' },
    user: { id: input.slackUserId },
    view: {
      id: 'V1',
      type: 'modal',
      callback_id: 'greenlight_answer',
      private_metadata: input.privateMetadata,
      state: { values: Object.fromEntries(Object.entries(input.values).map(([block, v]) => [block, { value: v }])) },
    },
  };
  const body = interactivityBody(payload);
  const t = supertest(w.server.url).post('/slack/interactivity').type('form');
  return (input.sign === false ? t : t.set(slackSignature(input.secret, body))).send(body);
}
