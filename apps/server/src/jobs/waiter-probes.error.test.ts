/**
 * Which callback targets are probed and how their answer is read, what each answer to a waiter probe
 * means, answer by answer (the rules of jobs/waiter-probes.ts), and when the next probe is due:
 * doubling to the maximum, never later than the unreachable threshold.
 */
import { describe, expect, it } from 'vitest';
import type { AttemptResult } from '../channels/webhook/http-sender.ts';
import { nextDelayMs, probeTargetOf, verdictOf } from './waiter-probes.ts';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const HOUR = 3_600_000;
const answer = (statusCode: number | null, error: string | null = null): AttemptResult => ({ startedAt: NOW, durationMs: 5, statusCode, error, retryAfterMs: null });
const url = 'https://hooks.example.com/greenlight/42';
const n8n = 'https://n8n.example.com/webhook-waiting/1234/greenlight-resume?signature=abc';

describe('probeTargetOf: only targets whose answer to HEAD Greenlight can read are probed', () => {
  it.each([
    ['a receiver of its own', 'https://hooks.example.com/greenlight/42', 'http'],
    ['a receiver on loopback', 'http://127.0.0.1:8080/hook', 'http'],
    ['a path that only starts like a hook', 'https://api.example.com/hooks/catchall/1', 'http'],
    ["n8n's resume URL", n8n, 'n8n'],
    ["n8n's resume URL behind a path prefix", 'https://tools.example.com/n8n/webhook-waiting/77/node?signature=x', 'n8n'],
    ["Zapier's callback URL", 'https://hooks.zapier.com/hooks/callback/123/abc/def/', 'unprobed'],
    ["Zapier's catch hook", 'https://hooks.zapier.com/hooks/catch/123/abc/', 'unprobed'],
    ['any URL on Zapier', 'https://zapier.com/anything', 'unprobed'],
    ["Zapier's hook path on another host (a proxy, a stand-in)", 'http://127.0.0.1:4000/hooks/catch/invoke/', 'unprobed'],
    ["Zapier's REST hook path", 'http://127.0.0.1:4000/hooks/standard/1/2/', 'unprobed'],
    ["Make's webhook address", 'https://hook.eu2.make.com/abcdef123', 'unprobed'],
    ["Make's older address", 'https://hook.integromat.com/abcdef123', 'unprobed'],
    ['Pipedream', 'https://eo1.m.pipedream.net', 'unprobed'],
    ['IFTTT', 'https://maker.ifttt.com/trigger/x/with/key/y', 'unprobed'],
    ['Power Automate', 'https://prod-01.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke', 'unprobed'],
    ['Workato', 'https://webhooks.workato.com/webhooks/rest/1/x', 'unprobed'],
    ['Slack', 'https://hooks.slack.com/services/T/B/X', 'unprobed'],
    ['Discord', 'https://discord.com/api/webhooks/1/x', 'unprobed'],
    ['Discord, but not a webhook', 'https://discord.com/invite/x', 'http'],
  ])('%s: %s', (_, target, kind) => {
    expect(probeTargetOf(target).kind).toBe(kind);
  });

  it('says why a platform is not probed', () => {
    expect(probeTargetOf('https://hooks.zapier.com/hooks/callback/1/2/')).toEqual({
      kind: 'unprobed',
      reason: "not probed: what Zapier's callback URLs answer to a probe says nothing about whether anyone waits",
    });
  });
});

describe('verdictOf', () => {
  it.each([
    [404, 'gone', 'the callback target answered 404 Not Found'],
    [410, 'gone', 'the callback target answered 410 Gone'],
    [200, 'present', 'the callback target answered 200'],
    [204, 'present', 'the callback target answered 204'],
    [301, 'present', 'the callback target answered 301'],
    [401, 'present', 'the callback target answered 401'],
    [405, 'present', 'the callback target answered 405'],
    [409, 'present', 'the callback target answered 409'],
    [500, 'present', 'the callback target answered 500'],
    [503, 'present', 'the callback target answered 503'],
  ])('a receiver answering %i: %s', (code, kind, reason) => {
    expect(verdictOf(url, answer(code), null, HOUR, NOW)).toMatchObject({ kind, reason });
  });

  it.each([
    [404, 'inconclusive', 'n8n answers 404 to a probe both while the execution waits and once it was deleted'],
    [409, 'gone', 'n8n answered 409: the execution that waited has finished or was stopped'],
    [410, 'gone', 'n8n answered 410: the execution that waited has finished or was stopped'],
    [200, 'present', 'the callback target answered 200'],
    [500, 'present', 'the callback target answered 500'],
  ])("n8n's resume URL answering %i: %s", (code, kind, reason) => {
    expect(verdictOf(n8n, answer(code), null, HOUR, NOW)).toMatchObject({ kind, reason });
  });

  it('no answer: unreachable until the threshold has passed since the first silence, then gone since then', () => {
    const first = verdictOf(url, answer(null, 'connection refused'), null, HOUR, NOW);
    expect(first).toEqual({ kind: 'unreachable', since: NOW });
    const before = new Date(NOW.getTime() + HOUR - 1);
    expect(verdictOf(url, { ...answer(null, 'connection refused'), startedAt: before }, NOW, HOUR, before)).toEqual({ kind: 'unreachable', since: NOW });
    const after = new Date(NOW.getTime() + HOUR);
    expect(verdictOf(url, { ...answer(null, 'timed out after 15000 ms'), startedAt: after }, NOW, HOUR, after)).toEqual({
      kind: 'gone',
      since: NOW,
      reason: `the callback target has not answered since ${NOW.toISOString()} (timed out after 15000 ms)`,
    });
    // n8n down is no different from any other silent target.
    expect(verdictOf(n8n, { ...answer(null, 'connection refused'), startedAt: after }, NOW, HOUR, after)).toMatchObject({ kind: 'gone' });
  });
});

describe('nextDelayMs', () => {
  const config = {
    GREENLIGHT_WAITER_PROBE_AFTER_MS: 300_000,
    GREENLIGHT_WAITER_PROBE_MAX_MS: HOUR,
    GREENLIGHT_WAITER_GONE_AFTER_MS: HOUR,
    GREENLIGHT_DELIVERY_TIMEOUT_MS: 15_000,
    GREENLIGHT_DELIVERY_CONCURRENCY: 16,
  };
  it('doubles from the first delay up to the maximum', () => {
    const present = { kind: 'present', reason: 'x' } as const;
    expect([1, 2, 3, 4, 5, 50].map((n) => nextDelayMs(n, present, config, NOW))).toEqual([600_000, 1_200_000, 2_400_000, HOUR, HOUR, HOUR]);
  });
  it('while unreachable, is due no later than the moment the threshold passes', () => {
    const since = new Date(NOW.getTime() - HOUR + 10_000);
    expect(nextDelayMs(4, { kind: 'unreachable', since }, config, NOW)).toBe(10_001);
    expect(nextDelayMs(1, { kind: 'unreachable', since: NOW }, config, NOW)).toBe(600_000);
  });
});
