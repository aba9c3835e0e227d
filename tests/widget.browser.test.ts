/**
 * The website widget in a real browser (system Chromium via playwright-core; see
 * tests/helpers/browser.ts), against the real service in-process (port 0, memory
 * storage, the real dialogs, recognizer and triage):
 *
 * - the patient's path: open the demo page, open the widget, welcome, a suggested action,
 *   an answer ending with its source, a self-test step card, the booking card, the urgent
 *   and the emergency card (focused and announced), each checked with axe-core at
 *   WCAG 2.1 AA (0 violations);
 * - keyboard only: open, answer a self-test, close;
 * - a phone (390×844): the open chat fills the screen, the launcher is on one line and
 *   hidden under the open chat;
 * - a cold first open over a throttled "Fast 3G" link: the welcome is painted before the
 *   Web Chat bundle has arrived; the times and what was transferred are reported (the
 *   2 s target is checked by `npm run bench`).
 *
 * Pages load nothing from outside (external requests are blocked and recorded), raise
 * no console errors (CSP violations would show up there) and get no 404 (favicon).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { artifactPath, browserAvailable, launchBrowser, newPage } from './helpers/browser';
import { startTestService } from './helpers/service';
import type { Service } from '../src/service';

// Generous: Web Chat's first render is slow on a busy machine.
const STEP_TIMEOUT = 45_000;
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
// Chrome DevTools' "Fast 3G" preset (1.6 Mbps down, 750 kbps up, each × 0.9; 150 ms × 3.75 latency).
const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: (1.6 * 1000 * 1000 / 8) * 0.9, uploadThroughput: (750 * 1000 / 8) * 0.9 };

async function visible(locator: Locator): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  return locator.first();
}

/** A suggested action (the row above the send box), by its title. */
function suggested(chat: FrameLocator, title: string | RegExp): Locator {
  return chat.locator('.webchat__suggested-action').filter({ hasText: title });
}

/** axe-core over the page and the chat frame: the WCAG 2.1 AA violations, one line each. */
async function a11yViolations(page: Page, where: string): Promise<string[]> {
  const framed = (await page.locator('#calfbot-frame').count()) > 0;
  for (let attempt = 1; ; attempt++) {
    // Legacy mode runs axe inside each same-origin frame (the default runPartial mode skipped the chat frame here).
    const result = await new AxeBuilder({ page }).withTags(WCAG_21_AA).setLegacyMode(true).analyze();
    // the chat frame was checked too (its nodes are named through the iframe); on a busy machine injecting it can fail once
    const reached = !framed || [...result.passes, ...result.violations].some((r) => r.nodes.some((n) => n.target.length > 1));
    if (!reached && attempt < 3) continue;
    expect(reached, `${where}: axe did not reach the chat frame`).toBe(true);
    return result.violations.flatMap((v) => v.nodes.map((n) => `${where}: ${v.id} (${v.impact}) ${n.target.join(' ')}: ${n.failureSummary?.split('\n')[1]?.trim() ?? ''}`));
  }
}

/** Responses with an error status (e.g. a missing /favicon.ico). */
function recordFailures(page: Page): string[] {
  const failures: string[] = [];
  page.on('response', (res) => {
    if (res.status() >= 400) failures.push(`${res.status()} ${res.url()}`);
  });
  return failures;
}

async function send(chat: FrameLocator, text: string): Promise<void> {
  const box = await visible(chat.getByPlaceholder('Ask about your calf'));
  await box.fill(text);
  await box.press('Enter');
}

describe.skipIf(!browserAvailable())('website widget (browser)', () => {
  let service: Service;
  let browser: Browser;

  beforeAll(async () => {
    service = await startTestService();
    browser = await launchBrowser();
    // The first request of the bundle may wait for its brotli copy (made once, then cached on disk).
    await (await fetch(`${service.url}/vendor/webchat.js`)).arrayBuffer();
    const html = await (await fetch(`${service.url}/chat`)).text();
    const bundle = /src="(\/vendor\/webchat\.[0-9a-f]{16}\.js)"/.exec(html)![1]!;
    await (await fetch(`${service.url}${bundle}`, { headers: { 'accept-encoding': 'br' } })).arrayBuffer();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('a patient\'s path: every reply and card passes axe (WCAG 2.1 AA); answers show their source; escalations take focus and are announced', { timeout: 180_000 }, async () => {
    const { page, seen, context } = await newPage(browser, service.url);
    const failures = recordFailures(page);
    const requested: string[] = [];
    page.on('request', (req) => requested.push(new URL(req.url()).pathname));
    const violations: string[] = [];
    try {
      // 1) the demo clinic page, with the launcher from /widget.js; nothing of the chat loads yet
      await page.goto(`${service.url}/`);
      await expect(page.locator('h1').textContent()).resolves.toContain('Calf pain');
      const launcher = await visible(page.locator('#calfbot-launcher'));
      expect(await launcher.getAttribute('aria-expanded')).toBe('false');
      violations.push(...await a11yViolations(page, 'demo page'));
      expect(requested.filter((p) => p === '/chat' || p.startsWith('/vendor/')), 'chat loaded before the first click').toEqual([]);

      // 2) open the widget: the welcome (at most three topics and "More topics")
      await launcher.click();
      expect(await launcher.getAttribute('aria-expanded')).toBe('true');
      const chat = page.frameLocator('#calfbot-frame');
      const welcome = await visible(chat.locator('.webchat__bubble').filter({ hasText: 'calf-pain assistant' }));
      expect(await welcome.textContent()).toContain('not a diagnosis');
      await visible(suggested(chat, 'More topics'));
      expect(await chat.locator('.webchat__suggested-action').count()).toBeLessThanOrEqual(4);
      expect(await chat.locator('#chat-welcome').isHidden()).toBe(true);
      violations.push(...await a11yViolations(page, 'welcome'));

      // 3) an answer: ends with its source, by title (never a file name)
      await send(chat, 'what causes calf pain');
      const answer = await visible(chat.locator('.webchat__bubble').filter({ hasText: 'From: Calf pain: causes and treatment — ' }));
      expect(await answer.textContent()).not.toMatch(/\d{3}_[0-9a-f]{16}/);
      violations.push(...await a11yViolations(page, 'answer'));
      // the desktop screenshot with a visible source line (docs/images/widget.png with UPDATE_DOCS_SCREENSHOT=1)
      await page.waitForTimeout(800);
      await page.screenshot({ path: artifactPath('widget-sources.png') });
      if (process.env.UPDATE_DOCS_SCREENSHOT === '1') copyFileSync(artifactPath('widget-sources.png'), path.resolve(__dirname, '..', 'docs', 'images', 'widget.png'));

      // 4) a self-test step card (Adaptive Card, "step" style)
      await send(chat, 'start over');
      await (await visible(suggested(chat, 'Self-tests at home'))).click();
      await visible(chat.getByText('Which test would you like to do?'));
      await send(chat, 'wall test');
      const setup = await visible(chat.locator('.ac-adaptiveCard').filter({ hasText: 'Wall ankle-mobility test: set-up' }));
      expect(await setup.textContent()).toContain('Stand facing a wall');
      expect(await setup.textContent()).toMatch(/From: .+ — /);
      await visible(chat.getByText('Left leg: could your knee touch the wall', { exact: false }));
      violations.push(...await a11yViolations(page, 'step card and choice'));

      // 5) the booking card (default style, with link and call buttons)
      await send(chat, 'cancel');
      await (await visible(suggested(chat, 'Book or talk to us'))).click();
      await visible(chat.locator('.ac-adaptiveCard').filter({ hasText: 'Book an assessment at' }));
      violations.push(...await a11yViolations(page, 'booking card'));

      // 6) a red-flag message: the urgent card, framed, badged, announced and focused
      await send(chat, 'my calf is swollen and red after a long flight');
      const urgent = await visible(chat.locator('.cb-urgency--urgent'));
      await expect(urgent.locator('.cb-badge').textContent()).resolves.toBe('Urgent');
      expect(await urgent.getAttribute('role')).toBe('alert');
      await expect.poll(() => urgent.evaluate((node) => node.ownerDocument.activeElement === node), { timeout: 5_000 }).toBe(true);
      const card = await visible(urgent.locator('.ac-adaptiveCard'));
      expect((await card.textContent())?.toLowerCase()).toMatch(/today|urgent|doctor/);
      // no button label is cut off
      const cut = await urgent.locator('.ac-pushButton').evaluateAll((buttons) => buttons.filter((b) => b.scrollWidth > b.clientWidth + 1 || Array.from(b.querySelectorAll('*')).some((c) => c.scrollWidth > c.clientWidth + 1)).map((b) => b.textContent));
      expect(cut, 'buttons with a cut-off label').toEqual([]);
      violations.push(...await a11yViolations(page, 'urgent card'));

      // screenshot with the badge and the top of the card in view
      await urgent.evaluate((node) => {
        const scroller = node.closest('.webchat__basic-transcript__scrollable');
        if (scroller) scroller.scrollTop += node.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
      });
      await page.waitForTimeout(300);
      await page.screenshot({ path: artifactPath('widget.png') });

      // 7) the emergency card
      await send(chat, 'my leg is cold and white and numb');
      const emergency = await visible(chat.locator('.cb-urgency--emergency'));
      await expect(emergency.locator('.cb-badge').textContent()).resolves.toBe('Emergency');
      expect(await emergency.getAttribute('role')).toBe('alert');
      await expect.poll(() => emergency.evaluate((node) => node.ownerDocument.activeElement === node), { timeout: 5_000 }).toBe(true);
      violations.push(...await a11yViolations(page, 'emergency card'));
      // earlier, ordinary replies are not marked
      expect(await chat.locator('.cb-urgency').count()).toBe(await chat.locator('.cb-urgency--urgent, .cb-urgency--emergency').count());

      expect(violations, 'axe-core WCAG 2.1 AA violations').toEqual([]);
      expect(failures, 'failed requests (e.g. /favicon.ico)').toEqual([]);
      expect(seen.external, 'requests to other origins').toEqual([]);
      expect(seen.errors, 'console errors / CSP violations').toEqual([]);
    } catch (error) {
      await page.screenshot({ path: artifactPath('widget-failure.png') }).catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  });

  it('keyboard only: open the widget, answer a self-test, close it', { timeout: 120_000 }, async () => {
    const { page, seen, context } = await newPage(browser, service.url);
    try {
      await page.goto(`${service.url}/`);
      await visible(page.locator('#calfbot-launcher'));
      // Tab to the launcher
      for (let i = 0; i < 20 && !(await page.evaluate(() => document.activeElement?.id === 'calfbot-launcher')); i++) await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('calfbot-launcher');
      await page.keyboard.press('Enter');
      const chat = page.frameLocator('#calfbot-frame');
      const box = chat.getByPlaceholder('Ask about your calf');
      // the send box has the focus once the chat is ready
      await expect.poll(() => box.evaluate((node) => node.ownerDocument.activeElement === node).catch(() => false), { timeout: STEP_TIMEOUT }).toBe(true);
      await visible(chat.locator('.webchat__bubble').filter({ hasText: 'calf-pain assistant' }));

      await page.keyboard.type('heel raise test');
      await page.keyboard.press('Enter');
      await visible(chat.getByText('How many heel raises did you manage on the left leg?'));
      await page.keyboard.type('20');
      await page.keyboard.press('Enter');
      await visible(chat.getByText('And on the right leg?'));
      await page.keyboard.type('12');
      await page.keyboard.press('Enter');
      // the result and its follow-up menu
      await visible(chat.locator('.webchat__bubble').filter({ hasText: 'What next?' }));

      // Escape closes the chat and gives the focus back to the launcher
      await page.keyboard.press('Escape');
      await expect.poll(() => page.locator('#calfbot-panel').isHidden(), { timeout: 5_000 }).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('calfbot-launcher');
      expect(await page.locator('#calfbot-launcher').getAttribute('aria-expanded')).toBe('false');
      expect(seen.errors).toEqual([]);
    } catch (error) {
      await page.screenshot({ path: artifactPath('widget-keyboard-failure.png') }).catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  });

  it('on a phone (390×844) the chat fills the screen, the launcher is one line and hidden under it', { timeout: 120_000 }, async () => {
    const { page, seen, context } = await newPage(browser, service.url, { width: 390, height: 844 });
    const failures = recordFailures(page);
    try {
      await page.goto(`${service.url}/`);
      const launcher = await visible(page.locator('#calfbot-launcher'));
      const lineHeight = await launcher.evaluate((node) => parseFloat(getComputedStyle(node).lineHeight));
      const box = (await launcher.boundingBox())!;
      expect(box.height, 'launcher on one line').toBeLessThan(lineHeight * 2 + 24);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      await launcher.click();
      const chat = page.frameLocator('#calfbot-frame');
      await visible(chat.locator('.webchat__bubble').filter({ hasText: 'calf-pain assistant' }));
      const panel = (await page.locator('#calfbot-panel').boundingBox())!;
      expect(panel).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
      expect(await launcher.isVisible(), 'launcher under the open chat').toBe(false);
      await send(chat, 'what causes calf pain');
      await visible(chat.locator('.webchat__bubble').filter({ hasText: 'From: Calf pain: causes and treatment' }));
      expect(await a11yViolations(page, 'mobile')).toEqual([]);
      await page.waitForTimeout(300);
      await page.screenshot({ path: artifactPath('widget-mobile.png') });
      if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
        const docs = path.resolve(__dirname, '..', 'docs', 'images');
        mkdirSync(docs, { recursive: true });
        copyFileSync(artifactPath('widget-mobile.png'), path.join(docs, 'widget-mobile.png'));
      }
      await page.locator('#calfbot-close').click();
      expect(await launcher.isVisible()).toBe(true);
      expect(failures).toEqual([]);
      expect(seen.errors).toEqual([]);
    } catch (error) {
      await page.screenshot({ path: artifactPath('widget-mobile-failure.png') }).catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  });

  it('cold first open over "Fast 3G": the welcome is on screen before Web Chat has downloaded', { timeout: 120_000 }, async () => {
    const { page, context } = await newPage(browser, service.url);
    try {
      await page.goto(`${service.url}/`);
      const launcher = await visible(page.locator('#calfbot-launcher'));
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Network.emulateNetworkConditions', FAST_3G);
      // Bytes on the wire after the click (the frame's requests are the page's too in Chromium's network domain).
      let transferred = 0;
      const perUrl = new Map<string, number>();
      page.on('requestfinished', async (req) => {
        const sizes = await req.sizes().catch(() => undefined);
        if (!sizes) return;
        const bytes = sizes.responseBodySize + sizes.responseHeadersSize;
        transferred += bytes;
        const name = new URL(req.url()).pathname;
        perUrl.set(name, (perUrl.get(name) ?? 0) + bytes);
      });
      // Times are taken in the browser: the click in the page, the first paint in the chat frame
      // (its first content is the welcome), both on the same clock (timeOrigin + now).
      await launcher.evaluate((node) => node.addEventListener('click', () => {
        (window as unknown as { clickedAt: number }).clickedAt = performance.timeOrigin + performance.now();
      }, { capture: true, once: true }));
      const clicked = Date.now();
      await launcher.click();
      const chat = page.frameLocator('#calfbot-frame');
      await chat.locator('#chat-welcome, .webchat__bubble').filter({ hasText: 'calf-pain assistant' }).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
      const seenAfter = Date.now() - clicked;
      const clickedAt = await page.evaluate(() => (window as unknown as { clickedAt: number }).clickedAt);
      const paintedAt = await chat.locator('body').evaluate(() => {
        const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
        return paint ? performance.timeOrigin + paint.startTime : null;
      });
      const welcomeAfter = paintedAt === null ? seenAfter : Math.round(paintedAt - clickedAt);
      await chat.locator('.webchat__bubble').filter({ hasText: 'calf-pain assistant' }).first().waitFor({ state: 'visible', timeout: 60_000 });
      const chatReadyAfter = Date.now() - clicked;
      const bundleAfter = await chat.locator('body').evaluate(() => (performance.getEntriesByType('resource').find((e) => /\/vendor\/webchat\./.test(e.name)) as PerformanceResourceTiming | undefined)?.responseEnd ?? 0);
      await page.waitForTimeout(500);
      console.log(`widget cold open over Fast 3G: welcome painted ${welcomeAfter} ms after the click (seen by the test after ${seenAfter} ms), bundle downloaded ${Math.round(bundleAfter)} ms after the chat page started, Web Chat with the bot's welcome after ${chatReadyAfter} ms; ${transferred} bytes transferred: ${[...perUrl].map(([u, b]) => `${u} ${b}`).join(', ')}`);
      // The welcome does not wait for Web Chat: it is painted from the chat page itself before
      // the bundle has arrived (how fast is measured by `npm run bench`, not asserted here).
      const paintedBeforeBundle = await chat.locator('body').evaluate(() => {
        const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
        const bundle = performance.getEntriesByType('resource').find((e) => /\/vendor\/webchat\./.test(e.name)) as PerformanceResourceTiming | undefined;
        return paint !== undefined && bundle !== undefined && paint.startTime < bundle.responseEnd;
      });
      expect(paintedBeforeBundle).toBe(true);
      // the bundle went compressed (brotli), well under a megabyte
      const bundleBytes = [...perUrl].find(([u]) => /^\/vendor\/webchat\.[0-9a-f]{16}\.js$/.test(u))?.[1] ?? 0;
      expect(bundleBytes).toBeGreaterThan(100_000);
      expect(bundleBytes).toBeLessThan(800_000);
    } finally {
      await context.close();
    }
  });
});
