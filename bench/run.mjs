// `pnpm bench`: runs every benchmark and fault script in turn (never part of `pnpm test`). Each prints its
// figures last and appends them to bench/results/<bench>.jsonl; then the README table is rewritten from the
// latest lines. `pnpm bench create-postgres faults` runs only those.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const ALL = ['create-postgres', 'callback-latency', 'waiter-latency', 'notify', 'deciders', 'list-scale', 'pending-scale', 'embedded', 'soak', 'retention', 'faults'];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
for (const name of chosen) {
  if (!ALL.includes(name)) throw new Error(`unknown bench "${name}"; one of ${ALL.join(', ')}`);
  console.log(`\n### ${name}`);
  execFileSync('pnpm', ['exec', 'tsx', `${name}.ts`], { cwd: here, stdio: 'inherit' });
}
execFileSync('pnpm', ['exec', 'tsx', 'table.ts'], { cwd: here, stdio: 'inherit' });
