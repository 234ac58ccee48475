import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to port 3000, PGlite in ./data, in-process rate limits and info logs', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      GREENLIGHT_DATA_DIR: './data',
      LOG_LEVEL: 'info',
      GREENLIGHT_EXPIRY_SWEEP_MS: 5000,
      GREENLIGHT_INDEX_UPKEEP_MS: 1000,
      GREENLIGHT_DB_POOL_MAX: 20,
      GREENLIGHT_DB_POOL_IDLE_MS: 300_000,
      GREENLIGHT_PGLITE_SHARED_BUFFERS: '32MB',
      GREENLIGHT_BODY_LIMIT: '256kb',
      publicUrl: 'http://127.0.0.1:3000',
      validateResponses: true,
    });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
  });

  it('reads each setting from the environment', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://greenlight:pw@db.internal:5432/greenlight',
      REDIS_URL: 'rediss://:pw@cache.internal:6380/2',
      GREENLIGHT_DATA_DIR: '/var/lib/greenlight',
      LOG_LEVEL: 'warn',
      GREENLIGHT_EXPIRY_SWEEP_MS: '1000',
      GREENLIGHT_INDEX_UPKEEP_MS: '250',
      GREENLIGHT_DB_POOL_MAX: '40',
      GREENLIGHT_DB_POOL_IDLE_MS: '0',
      GREENLIGHT_BODY_LIMIT: '1mb',
      NODE_ENV: 'production',
    });
    expect(c).toMatchObject({
      PORT: 8080,
      DATABASE_URL: 'postgresql://greenlight:pw@db.internal:5432/greenlight',
      REDIS_URL: 'rediss://:pw@cache.internal:6380/2',
      GREENLIGHT_DATA_DIR: '/var/lib/greenlight',
      LOG_LEVEL: 'warn',
      GREENLIGHT_EXPIRY_SWEEP_MS: 1000,
      GREENLIGHT_INDEX_UPKEEP_MS: 250,
      GREENLIGHT_DB_POOL_MAX: 40,
      GREENLIGHT_DB_POOL_IDLE_MS: 0,
      GREENLIGHT_BODY_LIMIT: '1mb',
      // 0.0.0.0 is where to listen, not an address to hand out in links.
      publicUrl: 'http://localhost:8080',
      validateResponses: false,
    });
  });

  it('accepts port 0 (any free port) and the top of the range', () => {
    expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
    expect(loadConfig({ PORT: '65535' }).PORT).toBe(65535);
  });

  it('treats an empty variable as unset', () => {
    const c = loadConfig({ PORT: '', DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: '' });
    expect(c.PORT).toBe(3000);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.LOG_LEVEL).toBe('info');
  });

  it('uses GREENLIGHT_PUBLIC_URL for links, without a trailing slash', () => {
    expect(loadConfig({ GREENLIGHT_PUBLIC_URL: 'https://greenlight.example.com/' }).publicUrl).toBe('https://greenlight.example.com');
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('GREENLIGHT_VALIDATE_RESPONSES=%s overrides the NODE_ENV default', (value, expected) => {
    expect(loadConfig({ GREENLIGHT_VALIDATE_RESPONSES: value, NODE_ENV: expected ? 'production' : 'development' }).validateResponses).toBe(expected);
  });
});
