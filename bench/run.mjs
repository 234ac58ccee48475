// `pnpm bench`: runs every benchmark in turn; each prints its figures last and appends them to bench/results/.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
for (const script of ['create-approvals.ts']) {
  execFileSync('pnpm', ['exec', 'tsx', script], { cwd: here, stdio: 'inherit' });
}
