/**
 * The staff console in a real browser (system Chromium through playwright-core):
 * sign in, filter to urgent conversations, open one, mark it reviewed, export it.
 * Also: no CSP violations or page errors, nothing loaded from outside, and the layout
 * fits a tablet without sideways scrolling.
 *
 * The conversations are real: the service runs the real recognizer, dialogs and triage,
 * and the test chats with it through /api/messages, so the console shows what the bot
 * actually said, with its real intents, urgencies and source documents.
 *
 * UPDATE_DOCS_SCREENSHOTS=1 also refreshes docs/images/staff-console.png (a reviewed
 * urgent conversation) and docs/images/staff-list.png (the conversation list).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, browserAvailable, launchBrowser, newPage } from './helpers/browser';
import { startTestService } from './helpers/service';
import { addStaff, chatWithBot, freePort } from './staffHarness';
import { postActivity } from './helpers/service';
import { createStaffStore } from '../src/staff/store';
import type { Service } from '../src/service';

/** Conversation ids shaped like Direct Line's. */
const CONV = {
  selfTest: 'Kq3vR8nW2xTz5LpB7cYd-eu',
  fallback: 'Hn6tY1mQ9sVw4GkD2rXa-eu',
  strain: 'Pz8cF5jL3bNq7WtM1vHe-eu',
  cramps: 'Rb2xK7gT4mYs9QdJ6nLw-eu',
  swollen: 'Tw5nD9hB1qXk3VzG8sPc-eu',
  emergency: 'Vc1mS6rJ8tLb2NyF4kQx-eu',
  dvt: 'Xg4pW7kN2vHs5TcR9mBz-eu',
  openedOnly: 'Za9qL2wE5rTy8UiO1pAs-eu',
} as const;
const key = (id: string) => `webchat:${id}`;

/**
 * Patients chatting with the real bot, oldest first (the console lists newest first).
 * The expectations on the replies make a change in the bot's behaviour fail here, with
 * a clear message, rather than as a puzzling count further down.
 */
async function chat(service: Service): Promise<void> {
  const urgencies = async (id: string, messages: string[]) =>
    (await chatWithBot(service.url, id, messages)).map((replies) => replies.map((r) => r.channelData?.urgency));

  // Routine: the wall ankle-mobility self-test, answered by tapping the choices.
  expect(await urgencies(CONV.selfTest, ['wall test', 'yes', '1'])).toEqual([['none', 'none', 'none'], ['none'], ['none']]);
  // Something the bot does not understand: the fallback.
  expect(await urgencies(CONV.fallback, ['are you open on saturday'])).toEqual([['none']]);
  expect(await urgencies(CONV.strain, ['I strained my calf playing tennis', 'how long does a calf strain take to heal?'])).toEqual([['none', 'none'], ['none', 'none', 'none']]);
  expect(await urgencies(CONV.cramps, ['what causes calf cramps?', 'thanks'])).toEqual([['none', 'none'], ['none']]);
  // Red flags caught by triage before any dialog runs.
  expect(await urgencies(CONV.swollen, ['my calf is swollen and red after a long flight'])).toEqual([['urgent']]);
  expect(await urgencies(CONV.emergency, ['I have chest pain and my leg is swollen'])).toEqual([['emergency']]);
  // A warning sign that is not enough on its own: the safety questions; "yes" to one leg
  // swollen, warm or red escalates to "get medical advice today". The widget opens first
  // (a conversationUpdate, as Web Chat sends), then the patient types.
  await openWidget(service, CONV.dvt);
  const dvt = await urgencies(CONV.dvt, ['hi', 'my calf hurts more when I pull my toes up', 'yes']);
  expect(dvt.map((turn) => turn.includes('urgent'))).toEqual([false, false, true]);
  // Someone opens the widget and types nothing.
  await openWidget(service, CONV.openedOnly);
}

/** What a channel sends when the chat opens: the user joins; the bot welcomes them. */
async function openWidget(service: Service, id: string): Promise<void> {
  const res = await postActivity(service.url, {
    type: 'conversationUpdate', channelId: 'webchat', serviceUrl: 'http://localhost', deliveryMode: 'expectReplies',
    conversation: { id }, from: { id: `${id}-patient` }, recipient: { id: 'bot' }, membersAdded: [{ id: `${id}-patient` }], id: `${id}-open`,
  });
  expect(res.status).toBe(200);
}

/**
 * With UPDATE_DOCS_SCREENSHOTS=1, saves the viewport as docs/images/<name>; with
 * `showEnd` (an element that must be there), the whole page.
 */
async function docsScreenshot(page: Page, name: string, showEnd?: string): Promise<void> {
  if (process.env.UPDATE_DOCS_SCREENSHOTS !== '1') return;
  const file = path.resolve(__dirname, '..', 'docs', 'images', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.evaluate(() => { document.getElementById('flash')!.hidden = true; });
  // A transcript is shown whole, from the top, so the escalation's red flags are in the picture too.
  if (showEnd) {
    await page.locator(showEnd).waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
  }
  await page.screenshot({ path: file, fullPage: Boolean(showEnd) });
}

describe.skipIf(!browserAvailable())('staff console (Chromium)', () => {
  let service: Service;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    service = await startTestService({ PORT: await freePort() });
    token = (await addStaff(service.db, 'Dr Rivera', 'admin')).token;
    await chat(service);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('signs in, filters to urgent, opens one, marks it reviewed and exports it', { timeout: 120_000 }, async () => {
    const { context, page, seen } = await newPage(browser, service.url, { width: 1280, height: 860 });
    try {
      const response = await page.goto(`${service.url}/staff`);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

      // Sign in.
      await page.fill('#login-token', 'cb_not-a-real-token');
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('#login-error:not([hidden])');
      await page.fill('#login-token', token);
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('#conv-list .conv');
      expect(await page.textContent('#who-name')).toBe('Dr Rivera');
      // The chat where nobody typed anything is not listed.
      expect(await page.locator('#conv-list .conv').count()).toBe(7);
      // Newest first, each with its urgency badge, the topics in plain words and the
      // patient's first message.
      const rows = await page.locator('#conv-list .conv').evaluateAll((els) => els.map((e) => ({
        key: (e as HTMLElement).dataset.key,
        urgency: e.querySelector('.conv-urgency')?.textContent,
        intents: e.querySelector('.conv-intents')?.textContent,
        first: e.querySelector('.conv-first')?.textContent,
      })));
      expect(rows).toEqual([
        { key: key(CONV.dvt), urgency: 'Urgent', intents: 'Greeting', first: '“hi”' },
        { key: key(CONV.emergency), urgency: 'Emergency', intents: 'Red flag: escalated before any answer', first: '“I have chest pain and my leg is swollen”' },
        { key: key(CONV.swollen), urgency: 'Urgent', intents: 'Red flag: escalated before any answer', first: '“my calf is swollen and red after a long flight”' },
        { key: key(CONV.cramps), urgency: 'Routine', intents: 'Calf cramps · Thanks', first: '“what causes calf cramps?”' },
        { key: key(CONV.strain), urgency: 'Routine', intents: 'Calf strain or tear · Recovery time', first: '“I strained my calf playing tennis”' },
        { key: key(CONV.fallback), urgency: 'Routine', intents: 'No topic recognised', first: '“are you open on saturday”' },
        { key: key(CONV.selfTest), urgency: 'Routine', intents: 'Self-test: knee to wall', first: '“wall test”' },
      ]);
      // No raw intent ids anywhere in the list.
      expect(await page.textContent('#conv-list')).not.toMatch(/selftest_ankle_wall|calf_cramp|recovery_time/);
      // Escalations needing follow-up stand out.
      expect(await page.locator('#conv-list .conv.attention').count()).toBe(3);
      await page.screenshot({ path: artifactPath('staff-console-list.png'), fullPage: true });
      await docsScreenshot(page, 'staff-list.png');

      // The toggle shows the chat that was only opened.
      await page.check('#filters input[name=includeEmpty]');
      await page.click('#filters button[type=submit]');
      await page.waitForFunction(() => document.querySelectorAll('#conv-list .conv').length === 8);
      expect(await page.locator(`#conv-list .conv[data-key="${key(CONV.openedOnly)}"] .conv-meta`).textContent()).toContain('0 messages');
      await page.click('#filters-reset');
      await page.waitForFunction(() => document.querySelectorAll('#conv-list .conv').length === 7);

      // "Urgent & emergency, not reviewed" includes the emergency.
      await page.click('[data-quick=escalated]');
      await page.waitForFunction(() => document.querySelectorAll('#conv-list .conv').length === 3);
      expect(await page.locator('#conv-list .conv').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.urgency))).toEqual(['urgent', 'emergency', 'urgent']);
      expect(page.url()).toContain('minUrgency=urgent');
      expect(await page.locator('[data-quick=escalated]').getAttribute('class')).toContain('active');
      // So does the form's "Urgent or emergency" (urgency=urgent+ in the API). The reset shows
      // all seven again before the form is used (it refills the form from the address).
      await page.click('#filters-reset');
      await page.waitForFunction(() => document.querySelectorAll('#conv-list .conv').length === 7);
      await page.selectOption('#filters select[name=urgency]', 'urgent+');
      await page.click('#filters button[type=submit]');
      await page.waitForFunction(() => document.querySelectorAll('#conv-list .conv').length === 3);

      // Filter to urgent only.
      await page.selectOption('#filters select[name=urgency]', 'urgent');
      await page.click('#filters button[type=submit]');
      await page.waitForFunction(() => document.querySelectorAll('#conv-list .conv').length === 2);
      const urgencies = await page.locator('#conv-list .conv').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.urgency));
      expect(urgencies).toEqual(['urgent', 'urgent']);
      expect(page.url()).toContain('urgency=urgent');

      // Open the newest urgent one: a chat with intent and urgency per bot reply.
      await page.click(`#conv-list .conv[data-key="${key(CONV.dvt)}"]`);
      await page.waitForSelector('#chat .msg.bot');
      expect(await page.locator('#chat .msg.user .bubble').allTextContents()).toEqual(['hi', 'my calf hurts more when I pull my toes up', 'yes']);
      // The widget opening is a small system line, not a patient bubble.
      expect(await page.locator('#chat .msg').first().getAttribute('class')).toContain('system');
      expect(await page.locator('#chat .msg.system').first().textContent()).toContain('Chat opened');
      expect(await page.textContent('#chat')).not.toContain('(conversationUpdate)');
      const bot = page.locator('#chat .msg.bot');
      expect(await bot.count()).toBe(5);
      // 0. The welcome when the widget opened.
      expect(await bot.nth(0).locator('.bubble').textContent()).toContain('calf-pain assistant');
      // 1. The greeting, with the menu the patient was offered.
      expect(await bot.nth(1).locator('.intent').textContent()).toBe('Greeting');
      expect(await bot.nth(1).locator('.suggestion').allTextContents()).toContain('Book or talk to us');
      // 2–3. A warning sign that is not enough on its own: the safety questions.
      expect(await bot.nth(2).locator('.bubble').textContent()).toContain('three quick safety questions');
      expect(await bot.nth(3).locator('.bubble').textContent()).toContain('swollen, warm or red');
      // 4. "Yes": the escalation card, urgent, highlighted.
      expect(await bot.nth(4).getAttribute('class')).toContain('escalation-urgent');
      expect(await bot.nth(4).locator('.badge').textContent()).toBe('Urgent');
      expect(await bot.nth(4).locator('.bubble').textContent()).toContain('Please get medical advice today');
      // The red flag that made it escalate is shown beside it.
      expect(await bot.nth(4).locator('.red-flags').textContent()).toContain('Red flags matched');
      expect((await bot.nth(4).locator('.red-flag').allTextContents()).length).toBeGreaterThan(0);
      expect(await page.locator('#detail-head .badge').first().textContent()).toBe('Urgent');

      // Mark reviewed, with a tag and a note.
      await page.fill('#review-tags', 'called back');
      await page.fill('#review-note', 'Called the patient back; GP appointment this afternoon.');
      await page.click('#mark-reviewed');
      await page.waitForSelector('#flash:not([hidden])');
      expect(await page.textContent('#flash')).toContain('Marked as reviewed');
      await page.waitForSelector('#detail-head .badge.status-reviewed');
      expect(await page.textContent('#detail-head h1')).toBe('Greeting');
      const summary = await service.db.getConversation({ channel: 'webchat', id: CONV.dvt });
      expect(summary).toMatchObject({ reviewStatus: 'reviewed', maxUrgency: 'urgent', tags: ['called back'], note: 'Called the patient back; GP appointment this afternoon.' });
      await page.screenshot({ path: artifactPath('staff-console-detail.png'), fullPage: true });
      // The README's picture: the safety questions and the escalation card in full, next
      // to the review panel.
      await docsScreenshot(page, 'staff-console.png', '#chat .msg.bot.escalation-urgent');

      // Export: the Emulator transcript and CSV download.
      const [transcriptDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-transcript')]);
      expect(transcriptDownload.suggestedFilename()).toBe(`${CONV.dvt}.transcript`);
      const transcript = JSON.parse(fs.readFileSync(await transcriptDownload.path(), 'utf8')) as { text: string; from: { role: string } }[];
      expect(transcript.map((a) => a.from.role)).toEqual(['user', 'bot', 'user', 'bot', 'user', 'bot', 'bot', 'user', 'bot']);
      expect(transcript[6]?.text).toContain('swollen, warm or red');
      expect(transcript[8]?.text).toContain('Please get medical advice today');
      const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
      expect(csvDownload.suggestedFilename()).toBe(`${CONV.dvt}.csv`);
      const csv = fs.readFileSync(await csvDownload.path(), 'utf8');
      expect(csv).toMatch(/,bot,message,"Please get medical advice today[^]*",,urgent,[a-z_]+/);
      // The widget opening is a system row naming the event, not a patient message.
      expect(csv.split('\r\n')[1]).toMatch(/^\d+,[^,]+,system,conversationUpdate,conversationUpdate,,,,$/);
      expect(csv).not.toContain('user,conversationUpdate');

      // Marking another one reviewed with an empty note does not log a note change.
      await page.goto(`${service.url}/staff#/c/${encodeURIComponent(key(CONV.swollen))}`);
      await page.waitForSelector('#chat .msg.bot.escalation-urgent');
      // Triage's red flags for this message, beside the escalation.
      // Each names the condition and the rule ("Deep vein thrombosis (…) · swollen_calf").
      const flags = await page.locator('#chat .msg.bot .red-flag').allTextContents();
      for (const rule of ['swollen_calf', 'after_immobility']) expect(flags.some((f) => f.startsWith('Deep vein thrombosis') && f.endsWith(` · ${rule}`)), flags.join(' | ')).toBe(true);
      await page.click('#mark-reviewed');
      await page.waitForSelector('#detail-head .badge.status-reviewed');
      const reviews = await createStaffStore(service.db).listAudit({ action: 'conversation.review', target: { channel: 'webchat', id: CONV.swollen } }, null, 5);
      expect(reviews.items[0]!.detail).toEqual({ status: 'reviewed', tags: [] });

      // Stats page with the chart, in plain words.
      await page.click('[data-nav=stats]');
      await page.waitForSelector('#chart svg .bar-conv');
      const tiles = await page.locator('#stat-tiles .tile-label').allTextContents();
      expect(tiles).toContain('Conversations');
      expect(tiles.join(' ')).not.toMatch(/Conversation-days|Fallback/);
      expect(await page.locator('#stat-tiles .tile').first().locator('.tile-value').textContent()).toBe('7');
      await page.waitForSelector('#weekly table');
      expect(await page.textContent('#review-time')).toMatch(/Median time from an escalation to its review: \d+ min \(2 reviewed, 1 not yet\)/);
      expect(await page.locator('#chart svg .bar-urgent').count()).toBeGreaterThan(0);
      await page.screenshot({ path: artifactPath('staff-console-stats.png'), fullPage: true });

      // The audit log shows what just happened.
      await page.click('[data-nav=audit]');
      await page.waitForSelector('#audit-rows tr');
      const actions = await page.locator('#audit-rows tr td:nth-child(3)').allTextContents();
      expect(actions).toEqual(expect.arrayContaining(['conversation.view', 'conversation.review', 'conversation.export', 'session.login']));

      // Sign out: back to the login form, and the session no longer works.
      await page.click('#logout');
      await page.waitForSelector('#view-login:not([hidden])');
      const me = await page.evaluate(async () => (await fetch('/staff/api/me')).status);
      expect(me).toBe(401);

      expect(seen.errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
      expect(seen.external).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('fits a tablet without sideways scrolling', async () => {
    const { context, page, seen } = await newPage(browser, service.url, { width: 820, height: 1180 });
    try {
      await page.goto(`${service.url}/staff`);
      await page.fill('#login-token', token);
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('#conv-list .conv');
      const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      expect(await fits()).toBe(true);
      await page.click(`#conv-list .conv[data-key="${key(CONV.emergency)}"]`);
      await page.waitForSelector('#chat .msg.bot.escalation-emergency');
      expect(await fits()).toBe(true);
      await page.screenshot({ path: artifactPath('staff-console-tablet.png'), fullPage: true });
      expect(seen.errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
      expect(seen.external).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
