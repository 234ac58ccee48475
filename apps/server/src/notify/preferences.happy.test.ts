import { describe, expect, it } from 'vitest';
import { DEFAULT_NOTIFICATION_PREFERENCES as D, type NotificationPreferences } from '@greenlight/contract';
import { channelsFor, digestHourOf, localClock, quietUntil } from './preferences.ts';

const at = new Date('2026-01-15T21:30:20.000Z');
const prefs = (p: Partial<NotificationPreferences>): NotificationPreferences => ({ ...D, ...p });

describe('channelsFor', () => {
  it.each([
    ['email', ['email']],
    ['slack', ['slack']],
    ['both', ['email', 'slack', 'telegram', 'discord', 'msteams', 'webpush']],
    ['digest_only', []],
  ] as const)('%s → %j, now', (channels, expected) => {
    const got = channelsFor(prefs({ channels }), at);
    expect(Object.keys(got)).toEqual(expected);
    for (const when of Object.values(got)) expect(when).toEqual(at);
  });

  it('in quiet hours every channel waits for their end, in the member time zone', () => {
    // 21:30 UTC is 22:30 in Berlin (winter): inside 22:00–07:00, which ends at 06:00 UTC.
    const got = channelsFor(prefs({ channels: 'both', time_zone: 'Europe/Berlin', quiet_hours: { start: '22:00', end: '07:00' } }), at);
    const end = new Date('2026-01-16T06:00:00.000Z');
    expect(got).toEqual({ email: end, slack: end, telegram: end, discord: end, msteams: end, webpush: end });
  });
});

describe('channelsFor by kind of message', () => {
  it('a kind the member chose channels for goes by those; the others follow `channels`', () => {
    const p = prefs({ channels: 'email', by_kind: { reminder: ['telegram', 'slack'], execution_receipt: [] } });
    expect(Object.keys(channelsFor(p, at, 'approval_request'))).toEqual(['email']);
    expect(Object.keys(channelsFor(p, at, 'reminder'))).toEqual(['telegram', 'slack']);
    expect(channelsFor(p, at, 'execution_receipt')).toEqual({});
    expect(Object.keys(channelsFor(p, at, 'waiter_gone'))).toEqual(['email']);
  });

  it('digest_only with requests by Telegram: requests come there, reminders not at all, the digest by every channel', () => {
    const p = prefs({ channels: 'digest_only', by_kind: { approval_request: ['telegram'] } });
    expect(Object.keys(channelsFor(p, at, 'approval_request'))).toEqual(['telegram']);
    expect(channelsFor(p, at, 'reminder')).toEqual({});
    expect(Object.keys(channelsFor(p, at, 'digest'))).toEqual(['email', 'slack', 'telegram', 'discord', 'msteams', 'webpush']);
  });

  it('quiet hours hold a chosen kind too; the digest comes at its hour', () => {
    const p = prefs({ by_kind: { reminder: ['telegram'], digest: ['slack'] }, time_zone: 'Europe/Berlin', quiet_hours: { start: '22:00', end: '07:00' } });
    expect(channelsFor(p, at, 'reminder')).toEqual({ telegram: new Date('2026-01-16T06:00:00.000Z') });
    expect(channelsFor(p, at, 'digest')).toEqual({ slack: at });
  });
});

describe('quietUntil', () => {
  it.each([
    ['21:00', '22:00', '2026-01-15T22:00:00.000Z'],
    ['21:30', '21:31', '2026-01-15T21:31:00.000Z'],
    ['20:00', '01:00', '2026-01-16T01:00:00.000Z'],
    ['22:00', '07:00', null],
    ['08:00', '21:30', null],
    ['21:30', '21:29', '2026-01-16T21:29:00.000Z'],
  ])('%s–%s in UTC at 21:30 → %s', (start, end, expected) => {
    const got = quietUntil(prefs({ quiet_hours: { start, end } }), at);
    expect(got?.toISOString() ?? null).toBe(expected);
  });
});

it('localClock reads the date and minute in a time zone; the digest hour defaults only for digest_only', () => {
  expect(localClock(at, 'UTC')).toEqual({ date: '2026-01-15', minute: 21 * 60 + 30 });
  expect(localClock(at, 'Asia/Tokyo')).toEqual({ date: '2026-01-16', minute: 6 * 60 + 30 });
  expect(digestHourOf(prefs({}))).toBeNull();
  expect(digestHourOf(prefs({ channels: 'digest_only' }))).toBe(9);
  expect(digestHourOf(prefs({ channels: 'digest_only', digest_hour: 17 }))).toBe(17);
});
