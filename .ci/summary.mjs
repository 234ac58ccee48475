#!/usr/bin/env node
// Prints the failed tests, then "N passed, N failed[, N skipped]" alone on the last line: the line
// CI reads. Counts come from vitest's JSON report (--reporter=json --outputFile=…).
//
// usage: node .ci/summary.mjs <results.json> [vitest exit code]
// Exits non-zero when a test or a whole test file failed, when no test ran, when the report is
// missing, or when vitest itself exited non-zero (e.g. an unhandled error outside any test).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [file = '.vitest-results.json', exitArg = '0'] = process.argv.slice(2);
const vitestExit = Number(exitArg);

let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`no test results: cannot read ${file} (${err.code ?? err.message}); vitest exited with ${vitestExit}`);
  process.exit(1);
}

const files = Array.isArray(report.testResults) ? report.testResults : [];
const failures = [];
// A file that failed to load, or whose beforeAll threw, fails without any failed test in it:
// each counts as one failure, or the summary would hide it.
let failedFiles = 0;
for (const f of files) {
  const name = relative(process.cwd(), f.name ?? '?');
  const failedTests = (f.assertionResults ?? []).filter((a) => a.status === 'failed');
  for (const a of failedTests) failures.push(`${name} > ${a.fullName ?? a.title}`);
  if (f.status === 'failed' && failedTests.length === 0) {
    failedFiles += 1;
    const why = String(f.message ?? '').split('\n')[0];
    failures.push(`${name} (the file failed outside its tests${why ? `: ${why}` : ''})`);
  }
}

const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + failedFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);

if (failures.length > 0) {
  console.log(`\nFailed (${failures.length}):`);
  for (const line of failures.slice(0, 100)) console.log(`  ✗ ${line}`);
  if (failures.length > 100) console.log(`  … and ${failures.length - 100} more`);
}
if (passed + failed === 0) console.log('No test ran.');
if (vitestExit !== 0 && failed === 0) {
  console.log(`vitest exited with ${vitestExit} although no test failed: see the errors it reported above.`);
}

console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 || vitestExit !== 0 ? 1 : 0);
