/**
 * The website widget in a real browser (system Chromium via playwright-core; see
 * tests/helpers/browser.ts), against the real service in-process (port 0, memory
 * storage, the real dialogs, recognizer and triage):
 *
 *   1) open the demo clinic page  2) open the widget, see the welcome  3) click a suggested
 *   action  4) walk a step of the wall test  5) type a red-flag message  6) see the
 *   urgent-care card, marked "Urgent".
 *
 * The page loads nothing from outside (external requests are blocked and recorded) and
 * raises no console errors (CSP violations would show up there).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, FrameLocator, Locator } from 'playwright-core';
import { artifactPath, browserAvailable, launchBrowser, newPage } from './helpers/browser';
import { startTestService } from './helpers/service';
import type { Service } from '../src/service';

const STEP_TIMEOUT = 20_000;

async function visible(locator: Locator): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  return locator.first();
}

/** A suggested action (the row above the send box), by its title. */
function suggested(chat: FrameLocator, title: string | RegExp): Locator {
  return chat.locator('.webchat__suggested-action').filter({ hasText: title });
}

describe.skipIf(!browserAvailable())('website widget (browser)', () => {
  let service: Service;
  let browser: Browser;

  beforeAll(async () => {
    service = await startTestService();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('opens, welcomes, runs a self-test step and shows the urgent-care card for a red flag', { timeout: 120_000 }, async () => {
    const { page, seen, context } = await newPage(browser, service.url);
    try {
      // 1) the demo clinic page, with the launcher from /widget.js
      await page.goto(`${service.url}/`);
      await expect(page.locator('h1').textContent()).resolves.toContain('Calf pain');
      const launcher = await visible(page.locator('#calfbot-launcher'));
      expect(await launcher.getAttribute('aria-expanded')).toBe('false');

      // 2) open the widget: Web Chat in the panel, the welcome from the bot
      await launcher.click();
      expect(await launcher.getAttribute('aria-expanded')).toBe('true');
      const chat = page.frameLocator('#calfbot-frame');
      const welcome = await visible(chat.locator('.webchat__bubble').filter({ hasText: 'calf-pain assistant' }));
      expect(await welcome.textContent()).toContain('not a diagnosis');

      // 3) click a suggested action: the self-test menu
      await (await visible(suggested(chat, 'Self-tests at home'))).click();
      await visible(chat.getByText('Which test would you like to do?'));
      // the user's choice shows as the user's own (sent) message
      await visible(chat.locator('.webchat__bubble--from-user').filter({ hasText: 'Self-tests at home' }));

      // 4) the wall test (long choice titles come as a numbered list, so type the answer):
      //    its set-up step card (an Adaptive Card), then answer the first question
      const sendBox = await visible(chat.getByPlaceholder('Ask about your calf'));
      await sendBox.fill('wall test');
      await sendBox.press('Enter');
      const setup = await visible(chat.locator('.ac-adaptiveCard').filter({ hasText: 'Wall ankle-mobility test: set-up' }));
      expect(await setup.textContent()).toContain('Stand facing a wall');
      await visible(chat.getByText('Left leg: could your knee touch the wall', { exact: false }));
      await sendBox.fill('yes');
      await sendBox.press('Enter');
      await visible(chat.getByText('Right leg: could your knee touch the wall', { exact: false }));

      // 5) a red-flag message typed in the send box
      await sendBox.fill('my calf is swollen and red after a long flight');
      await sendBox.press('Enter');

      // 6) the urgent-care card, framed and badged from channelData.urgency
      const urgent = await visible(chat.locator('.cb-urgency--urgent'));
      await expect(urgent.locator('.cb-badge').textContent()).resolves.toBe('Urgent');
      const card = await visible(urgent.locator('.ac-adaptiveCard'));
      expect((await card.textContent())?.toLowerCase()).toMatch(/today|urgent|doctor/);
      expect(await chat.locator('.cb-urgency--urgent').count()).toBeGreaterThan(0);
      // earlier, ordinary replies are not marked
      expect(await chat.locator('.cb-urgency').count()).toBe(await chat.locator('.cb-urgency--urgent').count());

      // screenshot with the badge and the top of the card in view
      await urgent.evaluate((node) => {
        const scroller = node.closest('.webchat__basic-transcript__scrollable');
        if (scroller) scroller.scrollTop += node.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
      });
      await page.waitForTimeout(300);
      const shot = artifactPath('widget.png');
      await page.screenshot({ path: shot });
      if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
        const docs = path.resolve(__dirname, '..', 'docs', 'images');
        mkdirSync(docs, { recursive: true });
        copyFileSync(shot, path.join(docs, 'widget.png'));
      }

      expect(seen.external, 'requests to other origins').toEqual([]);
      expect(seen.errors, 'console errors / CSP violations').toEqual([]);
    } catch (error) {
      await page.screenshot({ path: artifactPath('widget-failure.png') }).catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  });
});
