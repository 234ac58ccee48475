/**
 * The channels of the outbox, registered once: each is a folder here implementing the one interface
 * of delivery/outbox/channel.ts (what it sends for a message kind, how it sends it, what an answer
 * means), and a channel that tells people says so (`people`), so notify/ tells people through it by
 * their preferences. A new channel is one folder and one line below.
 */
import type { Config } from '../config.ts';
import { register, type RegisteredChannel } from '../delivery/outbox/attempt.ts';
import { webhookChannel } from './webhook/webhook-channel.ts';
import { emailChannel } from './email/email-channel.ts';
import { slackChannel } from './slack/slack-channel.ts';
import { telegramChannel } from './telegram/telegram-channel.ts';
import { discordChannel } from './discord/discord-channel.ts';
import { msteamsChannel } from './msteams/msteams-channel.ts';
import { msteamsConnection } from './msteams/msteams-client.ts';
import { githubChannel } from './github/github-channel.ts';
import { webpushChannel } from './webpush/webpush-channel.ts';
import { enginesChannel } from './engines/engines-channel.ts';
import type { Sender } from './webhook/http-sender.ts';
import type { EngineUrls } from './engines/engine-calls.ts';
import type { Mailer } from './email/email-sender.ts';

/** What the channels of one process are built with. */
export interface ChannelDeps {
  config: Pick<Config, 'publicUrl' | 'mail' | 'GREENLIGHT_SLACK_API_URL' | 'GREENLIGHT_TELEGRAM_API_URL' | 'GREENLIGHT_DISCORD_API_URL' | 'GREENLIGHT_MSTEAMS_TOKEN_URL' | 'GREENLIGHT_MSTEAMS_API_URL' | 'GREENLIGHT_GITHUB_API_URL' | 'GREENLIGHT_DELIVERY_TIMEOUT_MS' | 'GREENLIGHT_WEBPUSH_SUBJECT' | EngineUrls>;
  /** How webhooks leave the process (HTTP through the SSRF guard; recording in some tests). */
  sender: Sender;
  /** Sends email (absent: this process sends none). */
  mailer?: Mailer;
}

export function channels(deps: ChannelDeps): RegisteredChannel[] {
  const { config } = deps;
  return [
    register(webhookChannel({ sender: deps.sender })),
    register(emailChannel({ mailer: deps.mailer, enabled: config.mail !== null, publicUrl: config.publicUrl })),
    register(slackChannel({ publicUrl: config.publicUrl, slack: { apiUrl: config.GREENLIGHT_SLACK_API_URL, timeoutMs: config.GREENLIGHT_DELIVERY_TIMEOUT_MS } })),
    register(telegramChannel({ publicUrl: config.publicUrl, telegram: { apiUrl: config.GREENLIGHT_TELEGRAM_API_URL, timeoutMs: config.GREENLIGHT_DELIVERY_TIMEOUT_MS } })),
    register(discordChannel({ publicUrl: config.publicUrl, discord: { apiUrl: config.GREENLIGHT_DISCORD_API_URL, timeoutMs: config.GREENLIGHT_DELIVERY_TIMEOUT_MS } })),
    register(msteamsChannel({ publicUrl: config.publicUrl, msteams: msteamsConnection(config) })),
    register(githubChannel({ publicUrl: config.publicUrl, github: { apiUrl: config.GREENLIGHT_GITHUB_API_URL, timeoutMs: config.GREENLIGHT_DELIVERY_TIMEOUT_MS } })),
    register(webpushChannel({ publicUrl: config.publicUrl, subject: config.GREENLIGHT_WEBPUSH_SUBJECT, sender: deps.sender })),
    register(enginesChannel({ publicUrl: config.publicUrl, urls: config, timeoutMs: config.GREENLIGHT_DELIVERY_TIMEOUT_MS })),
  ];
}
