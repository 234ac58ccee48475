/**
 * Vitest global setup of the projects whose tests run the `greenlight` command line as a user runs it
 * (greenlight-cli.ts): the command bundled from the SDK's sources by esbuild, once per run, into a
 * folder the run removes afterwards.
 *
 * Why: those files start the command over a hundred times. Through tsx every start transforms and
 * resolves the SDK's and the contract's modules one by one, about a second of CPU on this machine
 * kind; the bundle starts in about a quarter of that. It is made from the sources in this very run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const CLI_BUNDLE_ENV = 'GREENLIGHT_TEST_CLI_BUNDLE';
const CLIENT_BIN = fileURLToPath(new URL('../../../../packages/client/src/cli/bin.ts', import.meta.url));

export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-cli-bundle-'));
  const file = join(dir, 'greenlight.mjs');
  await build({ entryPoints: [CLIENT_BIN], outfile: file, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  process.env[CLI_BUNDLE_ENV] = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
