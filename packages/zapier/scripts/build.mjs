// Bundles the app into dist/index.cjs, the `main` Zapier's CLI and runtime load with require().
// The workspace packages are TypeScript sources, so they are bundled in; zapier-platform-core stays
// external because Zapier checks the installed core against `platformVersion`.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['zapier-platform-core'],
  // The app object itself, not an ES module namespace, is what Zapier's loader expects.
  footer: { js: 'module.exports = module.exports.default;' },
  logLevel: 'warning',
});
