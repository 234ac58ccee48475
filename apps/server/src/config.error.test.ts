/**
 * Every setting is checked once at start-up; a bad one is refused with a message that names the
 * variable and says what it must be, without echoing the value (a URL may carry a password).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const PORT_RULE = 'must be a whole number from 0 to 65535';

describe('loadConfig refuses a bad setting', () => {
  it.each([
    ['PORT', 'abc', PORT_RULE],
    ['PORT', '-1', PORT_RULE],
    ['PORT', '65536', PORT_RULE],
    ['PORT', '3.5', PORT_RULE],
    // Number() would read these as 0, 16 and 1000.
    ['PORT', ' ', PORT_RULE],
    ['PORT', '0x10', PORT_RULE],
    ['PORT', '1e3', PORT_RULE],
    ['DATABASE_URL', 'mysql://root@localhost/greenlight', 'must be a URL starting with postgres:// or postgresql://'],
    ['DATABASE_URL', 'localhost:5432/greenlight', 'must be a URL starting with postgres:// or postgresql://'],
    ['DATABASE_URL', 'postgres://[bad', 'must be a URL starting with postgres:// or postgresql://'],
    ['REDIS_URL', 'http://127.0.0.1:6379', 'must be a URL starting with redis:// or rediss://'],
    ['REDIS_URL', '127.0.0.1:6379', 'must be a URL starting with redis:// or rediss://'],
    ['LOG_LEVEL', 'verbose', 'must be one of fatal, error, warn, info, debug, trace, silent'],
    ['LOG_LEVEL', 'INFO', 'must be one of fatal, error, warn, info, debug, trace, silent'],
    ['GREENLIGHT_PUBLIC_URL', 'greenlight.example.com', 'must be a URL starting with http:// or https://'],
    ['GREENLIGHT_PUBLIC_URL', 'javascript:alert(1)', 'must be a URL starting with http:// or https://'],
    ['GREENLIGHT_EXPIRY_SWEEP_MS', '50', 'must be a whole number from 100 to 86400000'],
    ['GREENLIGHT_INDEX_UPKEEP_MS', '0', 'must be a whole number from 100 to 86400000'],
    ['GREENLIGHT_DB_POOL_MAX', '0', 'must be a whole number from 1 to 1000'],
    ['GREENLIGHT_DB_POOL_IDLE_MS', '-1', 'must be a whole number from 0 to 86400000'],
    ['GREENLIGHT_PGLITE_SHARED_BUFFERS', '16', 'must be a size in MB, such as 16MB'],
    ['GREENLIGHT_PGLITE_SHARED_BUFFERS', '0MB', 'must be a size in MB, such as 16MB'],
    ['GREENLIGHT_PGLITE_SHARED_BUFFERS', '2048MB', 'must be at most 1024MB'],
    ['GREENLIGHT_BODY_LIMIT', '1gb', 'must be a size in kb or mb, such as 256kb or 1mb'],
    ['GREENLIGHT_VALIDATE_RESPONSES', 'yes', 'must be true, false, 1 or 0'],
  ])('%s=%j', (name, value, rule) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new ConfigError(`Invalid configuration:\n  ${name}: ${rule}`));
  });

  it('throws a ConfigError, the type main.ts turns into exit code 78', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
  });

  it('lists every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'abc', REDIS_URL: 'nope', LOG_LEVEL: 'loud' })).toThrow(
      new ConfigError(
        [
          'Invalid configuration:',
          `  PORT: ${PORT_RULE}`,
          '  REDIS_URL: must be a URL starting with redis:// or rediss://',
          '  LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
        ].join('\n'),
      ),
    );
  });

  it('never repeats the value given, which may hold a password', () => {
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'mysql://admin:hunter2-secret@db/greenlight', REDIS_URL: 'http://:hunter3-secret@cache' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('REDIS_URL');
    expect(message).not.toMatch(/hunter/);
  });
});
