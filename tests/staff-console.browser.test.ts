/**
 * The staff console in a real browser (system Chromium through playwright-core):
 * sign in, filter to urgent conversations, open one, mark it reviewed, export it.
 * Also: no CSP violations or page errors, nothing loaded from outside, and the layout
 * fits a tablet without sideways scrolling.
 *
 * UPDATE_DOCS_SCREENSHOTS=1 also refreshes docs/images/staff-console.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { artifactPath, browserAvailable, launchBrowser, newPage } from './helpers/browser';
import { startTestService } from './helpers/service';
import { addStaff, EchoDialog, freePort, seedConversation } from './staffHarness';
import type { Service } from '../src/service';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

async function seed(service: Service): Promise<void> {
  const db = service.db;
  await seedConversation(db, 'webchat', 'c-emergency', minutesAgo(12), [
    { user: 'My calf has been swollen since my flight and now I am short of breath', bot: 'This could be serious. Please call 911 now, or go to the nearest emergency department.', intent: 'red_flag_dvt', urgency: 'emergency', sources: [{ document: 'red-flags.md', section: 'Blood clots (DVT)' }] },
    { user: 'ok, calling now', bot: 'Thank you. The clinic team has been told about this conversation.', intent: 'acknowledge', urgency: 'none' },
  ]);
  await seedConversation(db, 'webchat', 'c-urgent', minutesAgo(45), [
    { user: 'The back of my calf is hot and red and it is spreading', bot: 'Spreading redness and warmth should be seen today. Please call the clinic on +44 20 7946 0000 or see your GP today.', intent: 'red_flag_infection', urgency: 'urgent', sources: [{ document: 'red-flags.md', section: 'Infection' }] },
    { user: 'can I still do my stretches?', bot: 'Please pause your exercises until you have been seen.', intent: 'exercise_pause', urgency: 'urgent', sources: [{ document: 'calf-strain.md', section: 'When to stop' }] },
  ]);
  await seedConversation(db, 'msteams', 'c-booking', minutesAgo(90), [
    { user: 'how do I book a follow-up appointment?', bot: 'You can book online or call reception. Appointments are 45 minutes.', intent: 'book_appointment', sources: [{ document: 'booking.md', section: 'Booking' }] },
  ]);
  await seedConversation(db, 'webchat', 'c-strain', minutesAgo(60 * 26), [
    { user: 'I felt a pop in my calf playing tennis', bot: 'That sounds like a calf strain. Here is what helps in the first 48 hours.', intent: 'calf_strain_first_aid', sources: [{ document: 'calf-strain.md', section: 'First 48 hours' }] },
  ]);
  await seedConversation(db, 'webchat', 'c-hours', minutesAgo(60 * 50), [
    { user: 'are you open on saturday', bot: 'We are open Saturday 9:00–13:00.', intent: 'opening_hours' },
  ]);
  await seedConversation(db, 'webchat', 'c-urgent-old', minutesAgo(60 * 75), [
    { user: 'numbness in my foot after the cast', bot: 'Numbness after a cast should be checked today. Please call us.', intent: 'red_flag_numbness', urgency: 'urgent' },
  ]);
  await seedConversation(db, 'webchat', 'c-fallback', minutesAgo(60 * 98), [
    { user: 'do you treat horses', bot: "Sorry, I didn't understand. You can ask about calf pain, exercises or booking.", intent: 'none' },
  ]);
}

describe.skipIf(!browserAvailable())('staff console (Chromium)', () => {
  let service: Service;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    service = await startTestService({ PORT: await freePort() }, { overrides: { dialog: new EchoDialog() } });
    token = (await addStaff(service.db, 'Dr Rivera', 'admin')).token;
    await seed(service);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('signs in, filters to urgent, opens one, marks it reviewed and exports it', async () => {
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
      expect(await page.locator('#conv-list .conv').count()).toBe(7);
      // Escalations needing follow-up stand out.
      expect(await page.locator('#conv-list .conv.attention').count()).toBe(3);
      await page.screenshot({ path: artifactPath('staff-console-list.png'), fullPage: true });

      // Filter to urgent.
      await page.selectOption('#filters select[name=urgency]', 'urgent');
      await page.click('#filters button[type=submit]');
      await page.waitForFunction(() => document.querySelectorAll('#conv-list .conv').length === 2);
      const urgencies = await page.locator('#conv-list .conv').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.urgency));
      expect(urgencies).toEqual(['urgent', 'urgent']);
      expect(page.url()).toContain('urgency=urgent');

      // Open the newest urgent one: a chat with intent, urgency and sources per bot reply.
      await page.click('#conv-list .conv[data-key="webchat:c-urgent"]');
      await page.waitForSelector('#chat .msg.bot');
      expect(await page.locator('#chat .msg').count()).toBe(4);
      expect(await page.locator('#chat .msg.user').first().textContent()).toContain('hot and red');
      const firstBot = page.locator('#chat .msg.bot').first();
      expect(await firstBot.locator('.intent').textContent()).toBe('red_flag_infection');
      expect(await firstBot.locator('.badge').textContent()).toBe('Urgent');
      expect(await firstBot.locator('.source').textContent()).toContain('red-flags.md › Infection');

      // Mark reviewed, with a tag and a note.
      await page.fill('#review-tags', 'called back');
      await page.fill('#review-note', 'Seen by GP the same day.');
      await page.click('#mark-reviewed');
      await page.waitForSelector('#flash:not([hidden])');
      expect(await page.textContent('#flash')).toContain('Marked as reviewed');
      await page.waitForSelector('#detail-head .badge.status-reviewed');
      const summary = await service.db.getConversation({ channel: 'webchat', id: 'c-urgent' });
      expect(summary).toMatchObject({ reviewStatus: 'reviewed', tags: ['called back'], note: 'Seen by GP the same day.' });
      await page.screenshot({ path: artifactPath('staff-console-detail.png'), fullPage: true });
      if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
        const docsImage = path.resolve(__dirname, '..', 'docs', 'images', 'staff-console.png');
        fs.mkdirSync(path.dirname(docsImage), { recursive: true });
        await page.evaluate(() => { document.getElementById('flash')!.hidden = true; });
        await page.screenshot({ path: docsImage });
      }

      // Export: the Emulator transcript and CSV download.
      const [transcriptDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-transcript')]);
      expect(transcriptDownload.suggestedFilename()).toBe('c-urgent.transcript');
      const transcript = JSON.parse(fs.readFileSync(await transcriptDownload.path(), 'utf8')) as { text: string; from: { role: string } }[];
      expect(transcript.map((a) => a.from.role)).toEqual(['user', 'bot', 'user', 'bot']);
      expect(transcript[1].text).toContain('Spreading redness');
      const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
      expect(csvDownload.suggestedFilename()).toBe('c-urgent.csv');
      expect(fs.readFileSync(await csvDownload.path(), 'utf8')).toContain('red_flag_infection');

      // Stats page with the chart.
      await page.click('[data-nav=stats]');
      await page.waitForSelector('#chart svg .bar-conv');
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
      await page.click('#conv-list .conv[data-key="webchat:c-emergency"]');
      await page.waitForSelector('#chat .msg.bot');
      expect(await fits()).toBe(true);
      await page.screenshot({ path: artifactPath('staff-console-tablet.png'), fullPage: true });
      expect(seen.errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
      expect(seen.external).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
