import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, MAKECOMAPP, DEFAULT_ORIGINS, type MakecomappOrigin } from './layout.ts';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The folders the generator owns: anything in them it did not write is stale and removed. */
export const APP_DIRS = ['general', 'connections', 'webhooks', 'modules', 'rpcs'];

/** Origins (and their id mappings, which a deploy fills in) survive regeneration. */
export function currentOrigins(dir = PACKAGE_DIR): MakecomappOrigin[] {
  const path = join(dir, MAKECOMAPP);
  if (!existsSync(path)) return DEFAULT_ORIGINS;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { origins?: MakecomappOrigin[] };
  return Array.isArray(parsed.origins) ? parsed.origins : DEFAULT_ORIGINS;
}

export function listAppFiles(dir = PACKAGE_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  for (const d of APP_DIRS) if (existsSync(join(dir, d))) walk(join(dir, d));
  if (existsSync(join(dir, MAKECOMAPP))) out.push(MAKECOMAPP);
  return out.sort();
}

/** Writes the app; returns the paths that changed (written or removed). */
export function writeApp(dir = PACKAGE_DIR): string[] {
  const { files } = buildApp(currentOrigins(dir));
  const changed: string[] = [];
  for (const stale of listAppFiles(dir).filter((p) => !files.has(p))) {
    rmSync(join(dir, stale));
    changed.push(stale);
  }
  for (const [path, content] of files) {
    const full = join(dir, path);
    if (existsSync(full) && readFileSync(full, 'utf8') === content) continue;
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    changed.push(path);
  }
  return changed;
}
