/**
 * The server's test helpers, for tests outside this package (`@greenlight/server/testing`): a real
 * server on a real database, a real webhook receiver, a real SMTP server, a browser-like client for
 * the sign-in and OAuth pages, server processes, the `greenlight` command line run as a user runs it,
 * and the few server operations a cross-package test drives directly.
 */
export * as harness from './harness.ts';
export { seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
export { authorizePath, connectInBrowser, grantAccessToken, memberWithPassword, pkcePair, registerClient, tokenRequest } from './oauth.ts';
export { signedIn } from './session.ts';
export { READS_AND_DROPS, usePolicies } from './policies.ts';
export { startReceiver, type Received, type TestReceiver } from './receiver.ts';
export { startSmtpServer, type ReceivedMail, type TestSmtpServer } from './smtp.ts';
export { mailConfig } from './mail-world.ts';
export { linkIn } from './decision-links.ts';
export { REFUND } from './refund-request.ts';
export { freePort, spawnServer, type SpawnedServer } from './spawn-server.ts';
export { processStorage, type ProcessStorage } from './process-storage.ts';
export { runGreenlight, runNodeProgram, useCliWorld, WAITING_ON, type CliRun, type CliWorld } from './greenlight-cli.ts';
export { listenOnLoopback } from './loopback.ts';
export { startMisroutingProxy } from './misrouting-proxy.ts';
export { expireDue } from '../core/approvals/index.ts';
export { createOrg, setEmergencyStop } from '../modules/orgs/create-org.ts';
export { memoryRateLimitStore } from '../http/rate-limit.ts';
export { startTelegramApi, type TestTelegramApi } from './telegram.ts';
export { DISCORD_APP_ID, DISCORD_BOT_TOKEN, discordSignature, newDiscordKeys, startDiscordApi, type TestDiscordApi } from './discord.ts';
export { startMsTeams, type TestMsTeams } from './msteams.ts';
export { startTestIdp, CrossOriginBrowser, type TestIdp, type TestAccount } from './oidc-provider.ts';
export { startSsoWorld, idpAccount, type SsoWorld } from './sso-world.ts';
export { startGithubApi, githubSignature, newGithubApp, type TestGithubApi } from './github.ts';
export { startPushService, type PushDevice, type TestPushService } from './push-service.ts';
