/**
 * What the dashboard's browser tests share: Debian's Chromium (driven by playwright-core), the
 * production build of apps/web the server serves, and where screenshots go (CI keeps them).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.GREENLIGHT_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
/** Without Chromium the browser tests are skipped, except in CI, where its absence is a failure. */
export const browserTestsRun = existsSync(CHROMIUM) || Boolean(process.env.CI);

/** Builds apps/web/dist when missing or older than its sources (≈ 2 s) and makes the screenshot folder. */
export function prepareDashboard(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../apps/web/scripts/ensure-build.mjs', import.meta.url))], { stdio: 'inherit' });
  mkdirSync(SCREENSHOTS, { recursive: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Playwright gives every launch a fresh, temporary user-data-dir. The network flags keep
    // Chromium from calling home, which this machine's closed network refuses noisily.
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A full-page screenshot named `name` in SCREENSHOTS. */
export const shot = (page: Page, name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
