/**
 * What the Telegram tests share: a Greenlight server whose Telegram Bot API is a local stand-in, an org
 * whose bot is connected through the API (which sets the webhook with its secret token, as recorded by
 * the stand-in), members linked by `/start <code>`, and updates posted with Telegram's secret header.
 */
import supertest from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
import { sessionOf, signedIn, type SignedIn } from './session.ts';
import { notificationsSettled } from './mail-world.ts';
import { startTelegramApi, type TelegramCall, type TestTelegramApi } from './telegram.ts';

export const TELEGRAM_BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x';

export interface TelegramWorld {
  server: TestServer;
  telegram: TestTelegramApi;
  close(): Promise<void>;
}

export function useTelegramWorld(use: (w: TelegramWorld) => void, config: Record<string, string> = {}): void {
  let w: TelegramWorld | undefined;
  beforeAll(async () => {
    const telegram = await startTelegramApi();
    const server = await startTestServer({ config: { GREENLIGHT_TELEGRAM_API_URL: telegram.url, GREENLIGHT_DELIVERY_TIMEOUT_MS: '3000', ...config } });
    w = {
      server,
      telegram,
      async close() {
        await server.stop();
        await telegram.close();
      },
    };
    use(w);
  }, 60_000);
  afterAll(async () => {
    await w?.close();
  });
}

export interface TelegramPerson {
  id: string;
  email: string;
  session: SignedIn;
  /** Their Telegram user id (and private chat id, the same number as in Telegram). */
  tgId: number;
}

export interface TelegramOrg {
  seed: SeededOrg;
  admin: SignedIn;
  /** The webhook secret Greenlight gave Telegram (read from the stand-in's setWebhook call). */
  secret: string;
  webhookPath: string;
}

let nextTgId = 50_000;
let nextUpdate = 1;

export async function telegramOrg(w: TelegramWorld): Promise<TelegramOrg> {
  const seed = await seedOrg(w.server.db);
  const admin = await signedIn(w.server, seed);
  await admin.http().put('/api/v1/org/telegram').send({ bot_token: TELEGRAM_BOT_TOKEN }).expect(200);
  const hook = w.telegram.of('setWebhook', (c) => String(c.args.url).includes(seed.org.id)).at(-1)!;
  return { seed, admin, secret: String(hook.args.secret_token), webhookPath: `/channels/telegram/${seed.org.id}/webhook` };
}

/** An update as Telegram posts it, with the secret header (or `secret` instead, or none when null). */
export function postUpdate(w: TelegramWorld, org: TelegramOrg, update: Record<string, unknown>, secret: string | null = org.secret): supertest.Test {
  const t = supertest(w.server.url).post(org.webhookPath).set('content-type', 'application/json');
  return secret === null ? t.send({ update_id: nextUpdate++, ...update }) : t.set('X-Telegram-Bot-Api-Secret-Token', secret).send({ update_id: nextUpdate++, ...update });
}

export const startMessage = (tgId: number, text: string) => ({
  message: { message_id: 1, date: Math.floor(Date.now() / 1000), from: { id: tgId, is_bot: false, first_name: 'A', username: `user${tgId}` }, chat: { id: tgId, type: 'private' }, text },
});

export const callbackQuery = (tgId: number, data: string) => ({
  callback_query: { id: `cq${nextUpdate}`, from: { id: tgId, is_bot: false, first_name: 'A' }, chat_instance: '1', data },
});

/** A member of the org (a new one of `role`, or `user`), linked to a fresh Telegram account by /start <code>. */
export async function linkedPerson(w: TelegramWorld, org: TelegramOrg, role: 'admin' | 'approver' | 'viewer' = 'approver'): Promise<TelegramPerson> {
  const user = await org.seed.addUser(role);
  const session = await sessionOf(w.server, org.seed, user);
  const tgId = nextTgId++;
  const code = (await session.http().post('/api/v1/me/telegram/code').expect(201)).body as { code: string };
  await postUpdate(w, org, startMessage(tgId, `/start ${code.code}`)).expect(200);
  return { ...user, session, tgId };
}

export async function createRequest(w: TelegramWorld, org: TelegramOrg, body: Record<string, unknown> = {}): Promise<string> {
  return ((await w.server.http(org.seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body as { id: string }).id;
}

/** The request's message sent to a person's chat. */
export const messagesTo = (w: TelegramWorld, tgId: number, approvalId: string): TelegramCall[] =>
  w.telegram.of('sendMessage', (c) => Number(c.args.chat_id) === tgId && String(c.args.text).includes(approvalId));

/** The callback_data of a message's button (`0`: the first, Approve when there is one). */
export function buttonData(c: TelegramCall, text: RegExp): string {
  const kb = (c.args.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard;
  return kb.flat().find((b) => text.test(b.text))!.callback_data;
}

/** The text the last answerCallbackQuery for the update showed. */
export const lastAnswer = (w: TelegramWorld): string => String(w.telegram.of('answerCallbackQuery').at(-1)!.args.text);

export const settled = (w: TelegramWorld, approvalId: string): Promise<void> => notificationsSettled(w.server, approvalId, ['notify', 'telegram']);

export async function statusOf(w: TelegramWorld, approvalId: string): Promise<{ status: string; votes: number }> {
  const { rows } = await w.server.db.query<{ status: string; votes: number }>(
    `SELECT a.status, (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = a.id) AS votes FROM approvals a WHERE a.id = $1`,
    [approvalId],
  );
  return rows[0]!;
}
