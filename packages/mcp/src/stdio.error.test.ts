import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './index.ts';

function run(argv: string[], env: Record<string, string>) {
  const stderr = new PassThrough();
  const stdout = new PassThrough();
  let err = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  return main(argv, { env, stdin: new PassThrough(), stdout, stderr }).then((code) => ({ code, err, out }));
}

describe('greenlight-mcp: usage and configuration errors exit 4 without starting, saying what is wrong', () => {
  it.each([
    ['no settings', {}, /GREENLIGHT_URL: .*\n.*GREENLIGHT_API_KEY: /],
    ['a URL that is not http(s)', { GREENLIGHT_URL: 'ftp://example.test', GREENLIGHT_API_KEY: `gk_${'a'.repeat(64)}` }, /GREENLIGHT_URL/],
    ['a key that is not an API key', { GREENLIGHT_URL: 'http://127.0.0.1:3000', GREENLIGHT_API_KEY: 'glat_token' }, /GREENLIGHT_API_KEY: must be a Greenlight API key/],
  ])('%s', async (_name, env, message) => {
    const { code, err, out } = await run([], env);
    expect(code).toBe(4);
    expect(err).toMatch(message);
    expect(err).toContain('Usage: greenlight-mcp');
    expect(out).toBe('');
  });

  it('an unknown argument', async () => {
    const { code, err } = await run(['--port', '1'], {});
    expect(code).toBe(4);
    expect(err).toContain('unexpected argument "--port"');
  });

  it('--help prints the usage and exits 0', async () => {
    const { code, err, out } = await run(['--help'], {});
    expect(code).toBe(0);
    expect(err).toContain('GREENLIGHT_API_KEY');
    expect(out).toBe('');
  });
});
