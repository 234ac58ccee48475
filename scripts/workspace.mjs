// The workspace's package folders, as pnpm-workspace.yaml lists them (`apps/*`, `packages/*`, `test`,
// `bench`): each folder that holds a package.json, relative to the repository's root. Read by the
// scripts that go over every package (import-cycles.mjs, typecheck.mjs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export function workspacePackages() {
  const patterns = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')
    .split('\n')
    .map((line) => /^\s+-\s+(\S+)\s*$/.exec(line)?.[1])
    .filter((p) => p !== undefined);
  return patterns
    .flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
            .filter((d) => d.isDirectory())
            .map((d) => join(pattern.slice(0, -2), d.name))
        : [pattern],
    )
    .filter((p) => existsSync(join(root, p, 'package.json')));
}
