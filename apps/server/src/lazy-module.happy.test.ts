import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lazyModule } from './lazy-module.ts';

const dir = mkdtempSync(join(tmpdir(), 'greenlight-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lazyModule', () => {
  it('loads a CommonJS module at its first use, resolved from the given URL, and once', () => {
    const key = `greenlightLazyLoads${process.pid}`;
    const counter = globalThis as unknown as Record<string, number>;
    counter[key] = 0;
    writeFileSync(join(dir, 'counted.cjs'), `globalThis[${JSON.stringify(key)}] += 1; module.exports = { answer: 42 };`);
    const counted = lazyModule<{ answer: number }>(pathToFileURL(join(dir, 'caller.js')).href, './counted.cjs');
    expect(counter[key]).toBe(0);
    expect(counted().answer).toBe(42);
    expect(counted()).toBe(counted());
    expect(counter[key]).toBe(1);
  });
});
