// The action's entry (bundled into dist/index.mjs): the step's exit code is the decision.
import { run } from './main.ts';

process.exitCode = await run();
