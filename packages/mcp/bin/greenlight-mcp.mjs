#!/usr/bin/env node
// Runs the TypeScript sources through tsx (as the repository's other commands do in development).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/stdio.ts');
process.exitCode = await main(process.argv.slice(2));
