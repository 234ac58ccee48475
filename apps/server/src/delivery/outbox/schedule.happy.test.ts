import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY_SCHEDULE, delayBefore, parseSchedule, retryAfterMs } from './schedule.ts';

describe('the retry schedule', () => {
  it("defaults to Standard Webhooks' example: now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (about 3 days: 75.6 h)", () => {
    const s = parseSchedule(DEFAULT_DELIVERY_SCHEDULE);
    expect(s).toEqual([0, 5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5]);
    const total = s.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(75);
    expect(total / 3_600_000).toBeLessThan(76);
  });

  it('parses ms, s, m, h and d, and bare numbers as ms', () => {
    expect(parseSchedule('0, 250ms,2s,1m,1h,1d,40')).toEqual([0, 250, 2000, 60_000, 3_600_000, 86_400_000, 40]);
  });

  it('adds ±20 % jitter around each delay, and ends when the schedule does', () => {
    const s = parseSchedule('0,10s,100s');
    expect(delayBefore(s, 1, () => 0.5)).toBe(0);
    expect(delayBefore(s, 2, () => 0)).toBe(8000);
    expect(delayBefore(s, 2, () => 1)).toBe(12_000);
    expect(delayBefore(s, 3, () => 0.5)).toBe(100_000);
    expect(delayBefore(s, 4)).toBeNull();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    const now = Date.parse('2026-03-24T10:00:00Z');
    expect(retryAfterMs('Tue, 24 Mar 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Tue, 24 Mar 2026 09:01:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
  });
});

describe('a bad schedule', () => {
  it.each([
    ['5x', '"5x" is not a delay such as 0, 500ms, 5s, 5m, 2h or 1d'],
    ['0,,5s', '"" is not a delay such as 0, 500ms, 5s, 5m, 2h or 1d'],
    ['-5s', '"-5s" is not a delay such as 0, 500ms, 5s, 5m, 2h or 1d'],
    ['8d', '"8d" is longer than 7 days'],
    [Array(31).fill('1s').join(','), 'must list 1 to 30 delays'],
  ])('%s → %s', (text, message) => {
    expect(() => parseSchedule(text)).toThrow(message);
  });
});
