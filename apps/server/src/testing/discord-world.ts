/**
 * What the Discord tests share: a Greenlight server whose Discord API is a local stand-in, an org whose
 * application is connected through the API with a fresh Ed25519 key pair (the test holds the private
 * key, as Discord does), members linked by the `/link` command, and interactions signed exactly as
 * Discord signs them (X-Signature-Ed25519 over X-Signature-Timestamp + the raw body).
 */
import supertest from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { InteractionType, MessageComponentTypes } from 'discord-interactions';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
import { sessionOf, signedIn, type SignedIn } from './session.ts';
import { notificationsSettled } from './mail-world.ts';
import { DISCORD_APP_ID, DISCORD_BOT_TOKEN, discordSignature, newDiscordKeys, startDiscordApi, type DiscordCall, type DiscordKeys, type TestDiscordApi } from './discord.ts';

export { DISCORD_APP_ID, DISCORD_BOT_TOKEN };

export interface DiscordWorld {
  server: TestServer;
  discord: TestDiscordApi;
  close(): Promise<void>;
}

export function useDiscordWorld(use: (w: DiscordWorld) => void, config: Record<string, string> = {}): void {
  let w: DiscordWorld | undefined;
  beforeAll(async () => {
    const discord = await startDiscordApi();
    const server = await startTestServer({ config: { GREENLIGHT_DISCORD_API_URL: discord.url, GREENLIGHT_DELIVERY_TIMEOUT_MS: '3000', ...config } });
    w = {
      server,
      discord,
      async close() {
        await server.stop();
        await discord.close();
      },
    };
    use(w);
  }, 60_000);
  afterAll(async () => {
    await w?.close();
  });
}

export interface DiscordOrg {
  seed: SeededOrg;
  admin: SignedIn;
  keys: DiscordKeys;
  channelId: string | null;
  path: string;
}

let nextId = 300_000_000_000_000_000n;
export const snowflake = (): string => String(++nextId);

/** An org with its Discord application connected (and a channel requests are posted to, unless `channel: null`). */
export async function discordOrg(w: DiscordWorld, options: { channel?: string | null } = {}): Promise<DiscordOrg> {
  const seed = await seedOrg(w.server.db);
  const admin = await signedIn(w.server, seed);
  const keys = newDiscordKeys();
  const channelId = options.channel === undefined ? snowflake() : options.channel;
  await admin
    .http()
    .put('/api/v1/org/discord')
    .send({ application_id: DISCORD_APP_ID, public_key: keys.publicKeyHex, bot_token: DISCORD_BOT_TOKEN, channel_id: channelId })
    .expect(200);
  return { seed, admin, keys, channelId, path: `/channels/discord/${seed.org.id}/interactions` };
}

export interface Signing {
  /** Sign with these keys instead of the org's (a forger's). */
  keys?: DiscordKeys;
  /** Seconds since the epoch to sign as (default now). */
  timestamp?: number;
  /** Send this signature instead; null: no signature headers at all. */
  signature?: string | null;
}

/** An interaction as Discord posts it, signed (or as `signing` says); the raw body is returned for replays. */
export function postInteraction(w: DiscordWorld, org: DiscordOrg, interaction: Record<string, unknown>, signing: Signing = {}): supertest.Test & { raw: string } {
  const raw = JSON.stringify({ id: snowflake(), application_id: DISCORD_APP_ID, token: `itok_${snowflake()}`, version: 1, ...interaction });
  return postRaw(w, org, raw, signing);
}

export function postRaw(w: DiscordWorld, org: DiscordOrg, raw: string, signing: Signing = {}): supertest.Test & { raw: string } {
  const timestamp = String(signing.timestamp ?? Math.floor(Date.now() / 1000));
  const t = supertest(w.server.url).post(org.path).set('content-type', 'application/json');
  if (signing.signature !== null) t.set('X-Signature-Ed25519', signing.signature ?? discordSignature(signing.keys ?? org.keys, timestamp, raw)).set('X-Signature-Timestamp', timestamp);
  return Object.assign(t.send(raw), { raw });
}

const user = (discordId: string) => ({ id: discordId, username: `user${discordId.slice(-5)}`, global_name: 'A' });

/** The `/link` command as Discord posts it from a server (guild) channel. */
export const linkCommand = (discordId: string, code: string) => ({
  type: InteractionType.APPLICATION_COMMAND,
  guild_id: '400000000000000001',
  channel_id: '400000000000000002',
  member: { user: user(discordId), roles: [] },
  data: { id: '500000000000000001', name: 'link', type: 1, options: [{ name: 'code', type: 3, value: code }] },
});

/** A click on a button, as Discord posts it (in a DM: `user`; in a server: `member.user`). */
export const buttonClick = (discordId: string, customId: string, where: 'dm' | 'guild' = 'dm') => ({
  type: InteractionType.MESSAGE_COMPONENT,
  ...(where === 'dm' ? { user: user(discordId) } : { guild_id: '400000000000000001', member: { user: user(discordId), roles: [] } }),
  channel_id: '400000000000000003',
  message: { id: '400000000000000004' },
  data: { custom_id: customId, component_type: MessageComponentTypes.BUTTON },
});

export interface DiscordPerson {
  id: string;
  email: string;
  session: SignedIn;
  discordId: string;
}

/** A member of the org (a new one of `role`), linked to a fresh Discord account by /link <code>. */
export async function linkedPerson(w: DiscordWorld, org: DiscordOrg, role: 'admin' | 'approver' | 'viewer' = 'approver'): Promise<DiscordPerson> {
  const u = await org.seed.addUser(role);
  const session = await sessionOf(w.server, org.seed, u);
  const discordId = snowflake();
  const code = (await session.http().post('/api/v1/me/discord/code').expect(201)).body as { code: string };
  const res = await postInteraction(w, org, linkCommand(discordId, code.code)).expect(200);
  if (!/^Linked/.test(String(res.body.data?.content))) throw new Error(`not linked: ${JSON.stringify(res.body)}`);
  return { ...u, session, discordId };
}

export async function createRequest(w: DiscordWorld, org: DiscordOrg, body: Record<string, unknown> = {}): Promise<string> {
  return ((await w.server.http(org.seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body as { id: string }).id;
}

/** The request's messages posted to a person's DM channel. */
export const messagesTo = (w: DiscordWorld, discordId: string, approvalId: string): DiscordCall[] =>
  w.discord.of('POST /channels/:id/messages', (c) => c.params[0] === w.discord.dmChannelOf(discordId) && hasOpen(c, approvalId));

/** The request's post in a channel. */
export const postsIn = (w: DiscordWorld, channelId: string, approvalId: string): DiscordCall[] =>
  w.discord.of('POST /channels/:id/messages', (c) => c.params[0] === channelId && hasOpen(c, approvalId));

type Component = { type: number; style?: number; label?: string; custom_id?: string; url?: string };
const buttonsOf = (c: DiscordCall): Component[] => ((c.body.components ?? []) as { components: Component[] }[]).flatMap((r) => r.components);
const hasOpen = (c: DiscordCall, approvalId: string) => buttonsOf(c).some((b) => b.url?.endsWith(`/requests/${approvalId}`));

/** The custom_id of a message's button labelled `label`. */
export function buttonId(c: DiscordCall, label: RegExp): string {
  const b = buttonsOf(c).find((x) => x.custom_id && label.test(x.label ?? ''));
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(c.body.components)}`);
  return b.custom_id!;
}

export const customIds = (c: DiscordCall): string[] => buttonsOf(c).flatMap((b) => (b.custom_id ? [b.custom_id] : []));

export const settled = (w: DiscordWorld, approvalId: string): Promise<void> => notificationsSettled(w.server, approvalId, ['notify', 'discord']);

export async function statusOf(w: DiscordWorld, approvalId: string): Promise<{ status: string; votes: number }> {
  const { rows } = await w.server.db.query<{ status: string; votes: number }>(
    `SELECT a.status, (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = a.id) AS votes FROM approvals a WHERE a.id = $1`,
    [approvalId],
  );
  return rows[0]!;
}

/** The messages of a request recorded as sent (each DM and the channel's post), with Discord's ids. */
export async function sentOf(w: DiscordWorld, approvalId: string): Promise<{ channel_id: string; message_id: string }[]> {
  const { rows } = await w.server.db.query<{ address: { channel_id: string; message_id: string } }>("SELECT address FROM sent_messages WHERE approval_id = $1 AND channel = 'discord'", [approvalId]);
  return rows.map((r) => r.address);
}

export const edits = (w: DiscordWorld, m: { channel_id: string; message_id: string }): DiscordCall[] =>
  w.discord.of('PATCH /channels/:id/messages/:mid', (c) => c.params[0] === m.channel_id && c.params[1] === m.message_id);

/** A Comment form submitted, as Discord posts it (the modal's custom_id is the button's). */
export const commentSubmit = (discordId: string, customId: string, text: string) => ({
  type: InteractionType.MODAL_SUBMIT,
  user: user(discordId),
  channel_id: '400000000000000003',
  data: { custom_id: customId, components: [{ type: 1, components: [{ type: 4, custom_id: 'comment', value: text }] }] },
});
