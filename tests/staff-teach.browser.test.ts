/**
 * Teaching the bot, end to end in a real browser (system Chromium):
 *  1. a patient chats on the clinic's chat page (Web Chat over Direct Line): one
 *     question the bot does not understand, one answer rated 👎 with the feedback buttons;
 *     other patients ask through /api/messages (a similar question, a missed red flag);
 *  2. a reviewer finds those messages in "Needs teaching", grouped, opens one and labels it;
 *  3. `npm run nlu:export-labels` (its main, against the same SQLite file) writes the
 *     labelled messages into intents/reviewed/ and tests/data/triage-reviewed.yaml in a
 *     temp folder, and the NLU loader adds them to their intent.
 *
 * UPDATE_DOCS_SCREENSHOTS=1 also refreshes docs/images/staff-inbox.png and staff-teach.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import YAML from 'yaml';
import { artifactPath, browserAvailable, launchBrowser, newPage } from './helpers/browser';
import { startTestService } from './helpers/service';
import { addStaff, chatWithBot, freePort } from './staffHarness';
import type { Service } from '../src/service';
import { main as exportLabels } from '../src/cli/export-labels';
import { loadTrainingData, withReviewed } from '../src/nlu/trainingData';

const STEP = 20_000;
const visible = async (l: Locator): Promise<Locator> => {
  await l.first().waitFor({ state: 'visible', timeout: STEP });
  return l.first();
};

async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_DOCS_SCREENSHOTS !== '1') return;
  const file = path.resolve(__dirname, '..', 'docs', 'images', name);
  await page.evaluate(() => { document.getElementById('flash')!.hidden = true; });
  await page.screenshot({ path: file });
}

/** Opens "Needs teaching" and waits for a fresh list (not the one shown last time). */
async function openInbox(page: Page): Promise<void> {
  const before = Number(await page.locator('#inbox-list').getAttribute('data-loads') ?? 0);
  await page.click('[data-nav=inbox]');
  await page.waitForFunction((n) => Number(document.getElementById('inbox-list')?.dataset.loads ?? 0) > n, before);
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/staff`);
  await page.fill('#login-token', token);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#view-list:not([hidden])');
}

describe.skipIf(!browserAvailable())('teaching the bot (Chromium)', () => {
  let service: Service;
  let browser: Browser;
  let tmp: string;
  let dbUrl: string;
  let reviewer: string;
  let admin: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-teach-'));
    dbUrl = `sqlite:${path.join(tmp, 'calfbot.sqlite')}`;
    service = await startTestService({ PORT: await freePort(), DATABASE_URL: dbUrl });
    reviewer = (await addStaff(service.db, 'Sam Physio', 'reviewer')).token;
    admin = (await addStaff(service.db, 'Dr Rivera', 'admin')).token;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a 👎 and an unanswered question reach the inbox, are labelled, and are exported as training data', { timeout: 180_000 }, async () => {
    // ---- 1. patients ----
    const patient = await newPage(browser, service.url, { width: 480, height: 860 });
    try {
      await patient.page.goto(`${service.url}/chat`);
      const chat: Page | FrameLocator = patient.page;
      const sendBox = await visible(chat.getByPlaceholder('Ask about your calf'));
      // as a patient does, read the welcome first: Enter pressed while Web Chat is still
      // connecting left the text in the box on a busy CI machine
      await visible(chat.locator('.webchat__bubble').filter({ hasText: 'calf-pain assistant' }));
      await sendBox.fill('are you open on saturday');
      await sendBox.press('Enter');
      await visible(chat.locator('.webchat__bubble--from-user').filter({ hasText: 'are you open on saturday' }));
      // Not understood: the fallback menu or "Did you mean…?", depending on the scores.
      await visible(chat.locator('.webchat__bubble').filter({ hasText: /not sure I understood|Did you mean/ }));
      await sendBox.fill('what causes calf cramps?');
      await sendBox.press('Enter');
      // The answer has the feedback buttons; escalations and the welcome do not.
      const answer = chat.locator('.cb-feedback-wrap').filter({ hasText: 'cramp' }).last();
      await visible(answer);
      // The patient goes on, then rates the earlier answer: the 👎 must land on the cramps question.
      await sendBox.fill('ok thanks');
      await sendBox.press('Enter');
      await visible(chat.locator('.webchat__bubble--from-user').filter({ hasText: 'ok thanks' }));
      await visible(chat.locator('.cb-feedback-wrap').nth(1));
      await (await visible(answer.locator('.cb-feedback__btn[data-rating="down"]'))).click();
      await visible(answer.locator('.cb-feedback[data-rated="down"]'));
      // The buttons give way to a thank-you.
      await answer.locator('.cb-feedback__btn').first().waitFor({ state: 'hidden', timeout: STEP });
      await patient.page.screenshot({ path: artifactPath('chat-feedback.png') });
      expect(patient.seen.errors).toEqual([]);
    } catch (err) {
      await patient.page.screenshot({ path: artifactPath('chat-feedback-failed.png') });
      console.error(patient.seen.errors);
      throw err;
    } finally {
      await patient.context.close();
    }
    // Other patients, through /api/messages: the same question in other words, and a red flag triage misses.
    const outcomes = (await chatWithBot(service.url, 'other-patient-1', ['Are you OPEN on Saturday?']))[0]!.map((r) => (r.channelData as { nlu?: { outcome: string } } | undefined)?.nlu?.outcome);
    expect(outcomes.some((o) => o === 'fallback' || o === 'clarified')).toBe(true);
    const missed = await chatWithBot(service.url, 'other-patient-2', ['my calf gets a dull ache every evening and I feel tired']);
    expect(missed[0]!.every((r) => r.channelData?.urgency === 'none')).toBe(true);
    // The fallback reply says so in channelData.nlu.
    expect((await chatWithBot(service.url, 'other-patient-3', ['tell me a joke']))[0]!.map((r) => (r.channelData as { nlu?: { outcome: string } } | undefined)?.nlu?.outcome)).toContain('fallback');

    // ---- 2. a reviewer teaches ----
    const staff = await newPage(browser, service.url, { width: 1280, height: 860 });
    const { page } = staff;
    try {
      await signIn(page, service.url, reviewer);
      await openInbox(page);
      const groups = await page.locator('#inbox-list .inbox-group').evaluateAll((els) => els.map((e) => ({
        text: e.querySelector('.inbox-text')?.textContent,
        count: (e as HTMLElement).dataset.count,
        reasons: Array.from(e.querySelectorAll('.reason'), (r) => r.textContent),
      })));
      // Similar questions grouped, with counts and why they are here.
      expect(groups).toEqual(expect.arrayContaining([
        { text: '“what causes calf cramps?”', count: '1', reasons: ['patient: not helpful'] },
      ]));
      const saturday = groups.find((g) => /saturday/i.test(g.text ?? ''));
      expect(saturday).toMatchObject({ text: '“Are you OPEN on Saturday?”', count: '2' });
      expect(saturday!.reasons.length).toBeGreaterThan(0);
      for (const r of saturday!.reasons) expect(r).toMatch(/^(not understood|asked “did you mean”)( × 2)?$/);
      // The reviewer role has no export.
      expect(await page.locator('#export-labels').isHidden()).toBe(true);
      await docsScreenshot(page, 'staff-inbox.png');
      await page.screenshot({ path: artifactPath('staff-inbox.png'), fullPage: true });

      // Open the Saturday group: the newest message, highlighted; teach it.
      await page.click('#inbox-list .inbox-group:has-text("Saturday") .inbox-text');
      const target = page.locator('#chat .msg.user.highlight');
      await visible(target);
      expect(await target.locator('.bubble').textContent()).toBe('Are you OPEN on Saturday?');
      await target.locator('button.teach').click();
      await target.locator('.teach-form select[name=intent]').selectOption({ label: 'Booking an appointment' });
      await docsScreenshot(page, 'staff-teach.png');
      await target.locator('.teach-form button[type=submit]').click();
      await visible(target.locator('.taught'));
      expect(await target.locator('.taught').textContent()).toContain('Should be: Booking an appointment');
      expect(await target.locator('.taught').textContent()).toContain('Sam Physio');

      // The other Saturday message: "out of scope" would also do; teach it the same way.
      await openInbox(page);
      expect(await page.locator('#inbox-list .inbox-group:has-text("Saturday")').getAttribute('data-count')).toBe('1');
      await page.click('#inbox-list .inbox-group:has-text("Saturday") .inbox-text');
      const second = page.locator('#chat .msg.user.highlight');
      await visible(second);
      await second.locator('button.teach').click();
      await second.locator('.teach-form input[value=out_of_scope]').check();
      await second.locator('.teach-form button[type=submit]').click();
      await visible(second.locator('.taught.kind-out_of_scope'));

      // The missed red flag, from its transcript.
      await page.goto(`${service.url}/staff#/c/${encodeURIComponent('webchat:other-patient-2')}`);
      const msg = page.locator('#chat .msg.user').first();
      await visible(msg);
      await msg.locator('button.teach').click();
      await msg.locator('.teach-form input[value=missed_red_flag]').check();
      await msg.locator('.teach-form select[name=condition]').selectOption('dvt');
      await msg.locator('.teach-form select[name=level]').selectOption('urgent');
      await msg.locator('.teach-form button[type=submit]').click();
      await visible(msg.locator('.taught.kind-missed_red_flag'));
      expect(await msg.locator('.taught').textContent()).toContain('Missed red flag: Deep vein thrombosis (DVT) (urgent)');

      // Labelled messages leave the inbox; the 👎 one is still there.
      await openInbox(page);
      const left = await page.locator('#inbox-list .inbox-text').allTextContents();
      expect(left).toContain('“what causes calf cramps?”');
      expect(left.some((t) => /saturday/i.test(t))).toBe(false);
      expect(staff.seen.errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
    } finally {
      await staff.context.close();
    }

    // ---- 3. an admin previews the export; the command writes it ----
    const adminPage = await newPage(browser, service.url, { width: 1280, height: 860 });
    try {
      await signIn(adminPage.page, service.url, admin);
      await openInbox(adminPage.page);
      await adminPage.page.click('#export-labels');
      await visible(adminPage.page.locator('#export-result pre'));
      expect(await adminPage.page.locator('#export-result h3').allTextContents()).toEqual([
        'intents/reviewed/book_appointment.yaml', 'intents/reviewed/none.yaml', 'tests/data/triage-reviewed.yaml',
      ]);
    } finally {
      await adminPage.context.close();
    }

    const out = path.join(tmp, 'repo');
    const logs: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void logs.push(a.join(' '));
    try {
      expect(await exportLabels(['--out', out], { ...process.env, DATABASE_URL: dbUrl, NODE_ENV: 'test' })).toBe(0);
    } finally {
      console.log = log;
    }
    expect(logs.join('\n')).toContain('3 label(s) exported to 3 file(s)');
    const booking = YAML.parse(fs.readFileSync(path.join(out, 'intents/reviewed/book_appointment.yaml'), 'utf8')) as { version: number; intent: string; utterances: string[] };
    expect(booking).toEqual({ version: 1, intent: 'book_appointment', utterances: ['Are you OPEN on Saturday?'] });
    expect(YAML.parse(fs.readFileSync(path.join(out, 'intents/reviewed/none.yaml'), 'utf8'))).toMatchObject({ intent: 'none', utterances: ['are you open on saturday'] });
    const triage = YAML.parse(fs.readFileSync(path.join(out, 'tests/data/triage-reviewed.yaml'), 'utf8')) as { red_flags: { text: string; expect: string }[]; benign: unknown[] };
    expect(triage).toEqual({ version: 1, red_flags: [{ text: 'my calf gets a dull ache every evening and I feel tired', expect: 'urgent' }], benign: [] });
    // The NLU loader picks the reviewed utterances up with the project's own intents.
    const data = withReviewed(loadTrainingData('intents'), path.join(out, 'intents'));
    expect(data.find((d) => d.intent === 'book_appointment')!.utterances).toContain('Are you OPEN on Saturday?');
  });
});
