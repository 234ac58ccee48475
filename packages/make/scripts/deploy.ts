/**
 * Deploys the app to Make: `pnpm --filter @greenlight/make run deploy [--dry-run] [--origin <label or appId>]`.
 * The token comes from MAKE_API_TOKEN or the origin's apikeyFile (relative to packages/make, never
 * committed). Not run in CI; the dry run (no token, no network) is tested.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deploy, Make, recordingSdk, saveMapping, zoneOf, type DeployCall } from '../src/deploy.ts';
import { currentOrigins, PACKAGE_DIR } from '../src/app/write.ts';

const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false }, origin: { type: 'string' } }, allowPositionals: true });
const origins = currentOrigins();
const origin = values.origin ? origins.find((o) => o.label === values.origin || o.appId === values.origin) : origins[0];
if (!origin) throw new Error(`no origin ${values.origin ?? ''} in makecomapp.json`);

if (values['dry-run']) {
  const calls: DeployCall[] = [];
  await deploy({ origin, sdk: recordingSdk(calls) });
  for (const c of calls) console.log(`${c.call}(${c.args.filter((a) => typeof a !== 'string' || a.length < 60).map((a) => JSON.stringify(a)).join(', ')})`);
  console.log(`dry run: ${calls.length} calls to ${zoneOf(origin)} for app ${origin.appId} v${origin.appVersion}; nothing was sent`);
} else {
  const keyFile = join(PACKAGE_DIR, origin.apikeyFile);
  const token = process.env.MAKE_API_TOKEN ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '');
  if (!token) throw new Error(`set MAKE_API_TOKEN or write the token to ${keyFile}`);
  const make = new Make(token, zoneOf(origin));
  const { idMapping } = await deploy({ origin, sdk: make.sdk });
  saveMapping(PACKAGE_DIR, origin.appId, idMapping);
  console.log(`deployed ${origin.appId} v${origin.appVersion} to ${zoneOf(origin)}`);
}
