// `pnpm start` runs this first: builds the dashboard when dist/ is missing or older than its sources,
// so a fresh clone serves the dashboard without a separate step.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(web, 'dist', 'index.html');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(web, p)).filter(existsSync);
if (!existsSync(built) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs) {
  console.log('Building the dashboard (apps/web)…');
  // NODE_ENV from the caller (vitest sets "test") would give React's development build.
  execFileSync('pnpm', ['--filter', '@greenlight/web', 'build'], { stdio: 'inherit', cwd: join(web, '..', '..'), env: { ...process.env, NODE_ENV: 'production' } });
}
