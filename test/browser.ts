/**
 * What the dashboard's browser tests share: Debian's Chromium (driven by playwright-core), the
 * production build of apps/web the server serves, and where screenshots go (CI keeps them).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { harness } from '@greenlight/server/testing';

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

/** The widths every dashboard page is tried at: a laptop and a phone. */
export const VIEWPORTS = [
  { width: 1280, height: 900, name: 'desktop' },
  { width: 390, height: 844, name: 'phone' },
] as const;

/** A browser context on the server at a viewport; at a phone's width it is a touch device, as a phone's browser is. */
export function openContext(browser: Browser, baseURL: string, viewport: { width: number; height: number } = VIEWPORTS[0]): Promise<BrowserContext> {
  const { width, height } = viewport;
  return browser.newContext({ baseURL, viewport: { width, height }, ...(width < 500 ? { isMobile: true, hasTouch: true } : {}) });
}

/** Signs `user` in through the dashboard's sign-in form, which `page` shows, and waits for the inbox. */
export async function fillSignIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inbox' }).waitFor();
}

/** A browser context at `viewport` whose page `user` signed in to through the sign-in form. */
export async function signedInPage(
  browser: Browser,
  baseURL: string,
  user: { email: string; password: string },
  viewport?: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await openContext(browser, baseURL, viewport);
  const page = await context.newPage();
  await page.goto('/sign-in');
  await fillSignIn(page, user);
  return { context, page };
}

/**
 * A test file's server (serving the dashboard's build) and Chromium: started before its tests, handed
 * to `use`, and stopped after them. Nothing starts where the browser tests are skipped.
 */
export function useDashboard(use: (server: harness.TestServer, browser: Browser) => void, options?: Parameters<typeof harness.startTestServer>[0]): void {
  let started: [harness.TestServer, Browser] | undefined;
  beforeAll(async () => {
    if (!browserTestsRun) return;
    prepareDashboard();
    started = await Promise.all([harness.startTestServer(options), launchChromium()]);
    use(...started);
  }, 120_000);
  afterAll(async () => {
    await started?.[1].close();
    await started?.[0].stop();
  });
}
