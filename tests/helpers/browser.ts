/**
 * Real-browser tests with playwright-core and the system Chromium (Debian's
 * /usr/bin/chromium; CI installs it with apt). We never download a browser.
 *
 * Where Chromium is missing the browser tests skip with one clear line; under CI=true
 * they fail instead, so CI cannot silently pass without running them.
 *
 * Usage in a test file:
 *
 *   import { browserAvailable, launchBrowser, artifactPath } from './helpers/browser';
 *   describe.skipIf(!browserAvailable())('widget', () => {
 *     let browser: Browser;
 *     beforeAll(async () => { browser = await launchBrowser(); });
 *     afterAll(async () => { await browser?.close(); });
 *     ...
 *       await page.screenshot({ path: artifactPath('widget.png') });
 *   });
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const ARTIFACTS_DIR = path.resolve(__dirname, '..', 'artifacts');

let warned = false;

/**
 * True when Chromium is installed. When it is missing: under CI=true this throws (the
 * test file fails to load, so CI goes red); otherwise it prints one line and returns false.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `Chromium not found at ${CHROMIUM_PATH}: browser tests need it (apt-get install chromium, or set CHROMIUM_PATH).`;
  if (process.env.CI === 'true') throw new Error(`${message} CI=true, so this is a failure, not a skip.`);
  if (!warned) {
    warned = true;
    console.warn(`[skip] ${message}`);
  }
  return false;
}

/** Launch the system Chromium headless. Never downloads anything. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

export interface PageErrors {
  /** Uncaught page errors and console errors (e.g. CSP violations). */
  errors: string[];
  /** Requests that went anywhere but the test server (should be none: nothing loads from outside). */
  external: string[];
}

/**
 * A new context and page that records page errors, console errors and any request
 * leaving `baseUrl`. External requests are aborted, so a page that depends on a CDN fails.
 */
export async function newPage(browser: Browser, baseUrl: string, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page; seen: PageErrors }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const seen: PageErrors = { errors: [], external: [] };
  const origin = new URL(baseUrl).origin;
  page.on('pageerror', (err) => seen.errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.errors.push(`console: ${msg.text()}`);
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    seen.external.push(url);
    return route.abort();
  });
  return { context, page, seen };
}

/** A path under tests/artifacts/ (git-ignored), creating the folder. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}
