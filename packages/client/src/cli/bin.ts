#!/usr/bin/env node
// `greenlight` without the repository (`npx @greenlight/client request …`, or the packed bin).
import { AUTOMATION_COMMANDS, processIo, runCommandLine } from './index.ts';

process.exitCode = await runCommandLine(process.argv.slice(2), processIo(), AUTOMATION_COMMANDS);
