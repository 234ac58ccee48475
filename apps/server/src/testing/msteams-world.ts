/**
 * What the Teams tests share: a Greenlight server whose Microsoft side (OpenID metadata and keys, token
 * endpoint, Connector API) is a local stand-in; an org whose bot is connected through the API (its
 * credentials checked by the stand-in's token endpoint); members linked by `link <code>` in a personal
 * chat; and activities posted with a Bot Connector token signed by the stand-in's published key.
 */
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
import { sessionOf, signedIn, type SignedIn } from './session.ts';
import { notificationsSettled } from './mail-world.ts';
import { startMsTeams, type ConnectorCall, type TestMsTeams } from './msteams.ts';

export interface MsTeamsWorld {
  server: TestServer;
  teams: TestMsTeams;
  close(): Promise<void>;
}

export function useMsTeamsWorld(use: (w: MsTeamsWorld) => void, config: Record<string, string> = {}): void {
  let w: MsTeamsWorld | undefined;
  beforeAll(async () => {
    const teams = await startMsTeams();
    const server = await startTestServer({
      config: {
        GREENLIGHT_MSTEAMS_OPENID_URL: teams.openIdUrl,
        GREENLIGHT_MSTEAMS_TOKEN_URL: teams.tokenUrl,
        GREENLIGHT_MSTEAMS_API_URL: teams.serviceUrl,
        GREENLIGHT_DELIVERY_TIMEOUT_MS: '3000',
        ...config,
      },
    });
    w = {
      server,
      teams,
      async close() {
        await server.stop();
        await teams.close();
      },
    };
    use(w);
  }, 60_000);
  afterAll(async () => {
    await w?.close();
  });
}

export interface MsTeamsOrg {
  seed: SeededOrg;
  admin: SignedIn;
  appId: string;
  appPassword: string;
  /** The Teams channel requests are posted to, when set. */
  channelId: string | null;
  messagesPath: string;
}

export interface MsTeamsPerson {
  id: string;
  email: string;
  session: SignedIn;
  /** Their Teams user id (`29:…`) and the bot's personal chat with them. */
  teamsId: string;
  chatId: string;
}

let next = 1;

export async function msteamsOrg(w: MsTeamsWorld, options: { channel?: boolean } = {}): Promise<MsTeamsOrg> {
  const seed = await seedOrg(w.server.db);
  const admin = await signedIn(w.server, seed);
  const appId = randomUUID();
  const appPassword = `secret~${randomUUID()}`;
  w.teams.addApp(appId, appPassword);
  const channelId = options.channel ? `19:channel${next++}@thread.tacv2` : null;
  await admin.http().put('/api/v1/org/msteams').send({ app_id: appId, app_password: appPassword, ...(channelId ? { channel_id: channelId } : {}) }).expect(200);
  return { seed, admin, appId, appPassword, channelId, messagesPath: `/channels/msteams/${seed.org.id}/messages` };
}

/** An activity as the Bot Connector posts it (to this org's bot, from `from`, in `conversation`). */
export function activity(w: MsTeamsWorld, fields: { type: string; from: string; conversation: string; personal?: boolean } & Record<string, unknown>): Record<string, unknown> {
  const { from, conversation, personal = true, ...rest } = fields;
  return {
    id: `act-${next++}`,
    channelId: 'msteams',
    serviceUrl: w.teams.serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: from, name: `Person ${from}`, aadObjectId: randomUUID() },
    recipient: { id: '28:bot', name: 'Greenlight' },
    conversation: { id: conversation, conversationType: personal ? 'personal' : 'channel', tenantId: 'tenant-1' },
    ...rest,
  };
}

/** The token the Bot Connector sends with an activity for this org's bot (claims may be overridden). */
export const connectorToken = (w: MsTeamsWorld, org: MsTeamsOrg, claims: Record<string, unknown> = {}, options: Parameters<TestMsTeams['sign']>[1] = {}): Promise<string> =>
  w.teams.sign({ aud: org.appId, serviceurl: w.teams.serviceUrl, ...claims }, options);

/** Posts an activity with a valid token (or `token` instead; null: none), expecting `status`. */
export async function postActivity(w: MsTeamsWorld, org: MsTeamsOrg, body: Record<string, unknown>, token?: string | null, status = 200): Promise<supertest.Response> {
  const t = supertest(w.server.url).post(org.messagesPath).set('content-type', 'application/json');
  const bearer = token === undefined ? await connectorToken(w, org) : token;
  return (bearer === null ? t : t.set('authorization', `Bearer ${bearer}`)).send(body).expect(status);
}

/** A card action as Teams sends it for Action.Execute. */
export const invoke = (w: MsTeamsWorld, from: string, conversation: string, data: Record<string, unknown>, verb?: string, personal = true) =>
  activity(w, { type: 'invoke', name: 'adaptiveCard/action', from, conversation, personal, value: { action: { type: 'Action.Execute', ...(verb ? { verb } : {}), data }, trigger: 'manual' } });

/** A member of the org (a new one of `role`), linked to a fresh Teams account by `link <code>`. */
export async function linkedPerson(w: MsTeamsWorld, org: MsTeamsOrg, role: 'admin' | 'approver' | 'viewer' = 'approver'): Promise<MsTeamsPerson> {
  const user = await org.seed.addUser(role);
  const session = await sessionOf(w.server, org.seed, user);
  const n = next++;
  const teamsId = `29:user-${n}`;
  const chatId = `a:personal-${n}`;
  const code = (await session.http().post('/api/v1/me/msteams/code').expect(201)).body as { code: string };
  await postActivity(w, org, activity(w, { type: 'message', from: teamsId, conversation: chatId, text: `link ${code.code}` }));
  return { ...user, session, teamsId, chatId };
}

export async function createRequest(w: MsTeamsWorld, org: MsTeamsOrg, body: Record<string, unknown> = {}): Promise<string> {
  return ((await w.server.http(org.seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body as { id: string }).id;
}

type Card = { body: Record<string, unknown>[]; actions?: { type: string; title: string; verb?: string; data?: { gl: string }; url?: string }[] };

export const cardOf = (c: ConnectorCall): Card => ((c.body.attachments as { content: Card }[])[0]!.content);

/** Everything a card shows as text. */
export const cardText = (c: ConnectorCall): string => JSON.stringify(cardOf(c).body);

/** The cards of a request posted to a conversation (a person's chat or the channel). */
export const cardsIn = (w: MsTeamsWorld, conversationId: string, approvalId: string): ConnectorCall[] =>
  w.teams.posts(conversationId).filter((c) => Array.isArray(c.body.attachments) && JSON.stringify(c.body).includes(`/requests/${approvalId}`));

/** The token of a card's action (by verb). */
export function actionToken(c: ConnectorCall, verb: 'approve' | 'reject' | 'comment'): string {
  return cardOf(c).actions!.find((a) => a.verb === verb)!.data!.gl;
}

/** What an invoke answered the clicking person. */
export const answerText = (res: supertest.Response): string => String((res.body as { value?: unknown }).value);

export const settled = (w: MsTeamsWorld, approvalId: string): Promise<void> => notificationsSettled(w.server, approvalId, ['notify', 'msteams']);

export async function statusOf(w: MsTeamsWorld, approvalId: string): Promise<{ status: string; votes: number }> {
  const { rows } = await w.server.db.query<{ status: string; votes: number }>(
    'SELECT a.status, (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = a.id) AS votes FROM approvals a WHERE a.id = $1',
    [approvalId],
  );
  return rows[0]!;
}
