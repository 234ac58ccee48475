// Compiles the server and the admin CLI to plain JavaScript (dist/main.js, dist/cli.js) for `pnpm start`
// and `pnpm greenlight-admin`: loading TypeScript through tsx costs about a second and 70 MB at every start.
// Our workspace packages (@greenlight/contract) are bundled in; npm packages stay external and load
// from apps/server/node_modules, so every one the bundle imports must be a dependency of this package.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(SERVER, 'dist');
/** Written last: the files the bundles were built from, for ensure-build.mjs. */
export const BUILD_INFO = join(DIST, 'build-info.json');

const posix = (p) => p.split(sep).join('/');

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

const externalNpmPackages = {
  name: 'external-npm-packages',
  setup(b) {
    // Bare specifiers: ours (@greenlight/*) are bundled from source, everything else is left to Node.
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@greenlight/') || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * A module that finds files next to its source (SQL migrations, the web build, packages through
 * createRequire) does so from `import.meta.url`. In the bundle that URL would be dist/'s, so each
 * module's `import.meta.url` becomes its source file's URL, computed from the bundle's location at
 * run time: paths resolve as they do under tsx, and the checkout can still be moved after a build.
 */
const sourceUrls = {
  name: 'import-meta-url-of-source',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const fromDist = posix(relative(DIST, args.path));
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
};

/** The files the last build wrote (build-info.json), before this one replaces it. */
function previousOutputs() {
  try {
    return JSON.parse(readFileSync(BUILD_INFO, 'utf8')).outputs ?? [];
  } catch {
    return [];
  }
}

export async function buildServer() {
  const started = performance.now();
  // ensure-build.mjs compares inputs' mtimes with build-info.json's: it gets this time, from before
  // the sources were read, so an edit made during the build still counts as newer.
  const readFrom = new Date();
  const result = await build({
    absWorkingDir: SERVER,
    entryPoints: { main: 'src/main.ts', cli: 'src/cli/main.ts', 'pglite-template': 'src/storage/make-pglite-template.ts' },
    outdir: DIST,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Code reached only through `import()` (the MCP tools, whose SDK a server holds only once /mcp is
    // called) goes to a chunk of its own; so does code the entry points share.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    target: 'node20',
    // Class and function names (in logs and error reports) stay as written.
    keepNames: true,
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [externalNpmPackages, sourceUrls],
  });

  // An npm package that the bundle imports but this package does not depend on resolves under tsx
  // (from the workspace package that does) and fails only when the bundle starts: fail here instead.
  const { dependencies = {} } = JSON.parse(readFileSync(join(SERVER, 'package.json'), 'utf8'));
  const missing = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) {
      if (imp.external && !imp.path.startsWith('node:') && !(packageOf(imp.path) in dependencies)) missing.add(packageOf(imp.path));
    }
  }
  if (missing.size > 0) {
    throw new Error(`The server bundle imports ${[...missing].join(', ')}: add ${missing.size === 1 ? 'it' : 'them'} to apps/server/package.json "dependencies"`);
  }

  // Each file replaced whole (write, then rename), so a server starting during a rebuild never reads half a bundle.
  mkdirSync(DIST, { recursive: true });
  const put = (path, contents) => {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  };
  // A bundle is kept as a string in the heap for its whole life: one character outside Latin-1 (in a
  // comment: esbuild escapes the rest) makes V8 keep all of it at two bytes a character.
  const ascii = (file) =>
    file.path.endsWith('.js') ? Buffer.from(file.text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)) : file.contents;
  for (const file of result.outputFiles) put(file.path, ascii(file));
  // Chunks are named by their content. Those of the build before stay, for a server still running it
  // that has yet to import one (the MCP tools at the first call to /mcp); older ones go.
  const written = new Set(result.outputFiles.map((f) => f.path));
  const previous = new Set(previousOutputs().map((p) => join(SERVER, p)));
  for (const name of readdirSync(DIST)) {
    const path = join(DIST, name);
    if (name.startsWith('chunk-') && !written.has(path) && !previous.has(path)) rmSync(path);
  }
  // The embedded database's migrated template (src/storage/pglite-template.ts), made from the migrations
  // unless it exists: a new data directory then starts as a copy of it instead of creating and
  // migrating a cluster. Its own process: it runs the bundle just written.
  execFileSync(process.execPath, [join(DIST, 'pglite-template.js')], { stdio: ['ignore', 'inherit', 'inherit'] });
  // The migrations are read at run time, not bundled; a changed one (or one more) needs a new template.
  const migrations = ['src/storage/migrations', ...readdirSync(join(SERVER, 'src/storage/migrations')).map((f) => `src/storage/migrations/${f}`)];
  const inputs = [...Object.keys(result.metafile.inputs).map(posix), ...migrations].sort();
  const outputs = [...written].map((p) => posix(relative(SERVER, p))).sort();
  put(BUILD_INFO, JSON.stringify({ note: 'Written by scripts/build.mjs; read by scripts/ensure-build.mjs.', outputs, inputs }, null, 2) + '\n');
  utimesSync(BUILD_INFO, readFrom, readFrom);
  return { ms: Math.round(performance.now() - started), inputs: inputs.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ms, inputs } = await buildServer();
  // stderr: `pnpm greenlight-admin … --json` prints exactly one JSON line on stdout.
  console.error(`Built apps/server/dist (main.js, cli.js) from ${inputs} files in ${ms} ms`);
}
