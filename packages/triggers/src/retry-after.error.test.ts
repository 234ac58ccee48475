import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.ts';

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  it.each([
    // delay-seconds
    ['17', 17],
    [' 0 ', 0],
    ['86400', 86_400],
    // HTTP-date, its three forms
    ['Sun, 22 Nov 2026 12:00:30 GMT', 30],
    ['Sunday, 22-Nov-26 12:00:30 GMT', 30],
    ['Sun Nov 22 12:00:30 2026', 30],
    ['Mon Nov  2 12:00:00 2026', 0],
    ['Tue, 01 Dec 2026 00:00:00 GMT', 8 * 86_400 + 12 * 3600],
    // a part of a second still to wait is a second
    ['Sun, 22 Nov 2026 12:00:00 GMT', 0],
    // reached or past: no wait
    ['Sun, 22 Nov 2026 11:00:00 GMT', 0],
    ['Sunday, 06-Nov-94 08:49:37 GMT', 0],
    // an RFC 850 year more than 50 years ahead is the century before
    ['Monday, 22-Nov-77 12:00:00 GMT', 0],
    ['Sunday, 22-Nov-76 12:00:00 GMT', (Date.UTC(2076, 10, 22, 12) - now) / 1000],
  ])('%j → %j s', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });

  it.each([
    [''],
    ['   '],
    ['-5'],
    ['1.5'],
    ['+3'],
    ['0x10'],
    ['1e3'],
    ['soon'],
    // ISO 8601 is not an HTTP-date, whatever Date.parse makes of it
    ['2026-11-23T12:01:00Z'],
    ['2026-11-22 12:00:30'],
    // the zone is GMT, spelt so
    ['Sun, 22 Nov 2026 12:00:30 UTC'],
    ['Sun, 22 Nov 2026 12:00:30 gmt'],
    ['Sun, 22 Nov 2026 12:00:30 +0000'],
    ['22 Nov 2026 12:00:30 GMT'],
    ['Sun, 31 Feb 2026 12:00:30 GMT'],
    ['Sun, 22 Nov 2026 24:00:00 GMT'],
    ['Sun, 22 Nov 2026 12:60:00 GMT'],
    ['Sun, 2 Nov 2026 12:00:30 GMT'],
    [undefined],
    [null],
  ])('%j → undefined', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
