/**
 * "Widget cold open: bytes transferred": what a browser with an empty cache downloads
 * when a patient first opens the chat (after the clinic page and /widget.js): the chat
 * page, its script, the Web Chat bundle and the favicon, as sent with
 * `Accept-Encoding: br, gzip` by the bot itself (in-process, port 0, memory storage).
 * Bytes are the response bodies on the wire (compressed), headers left out. Then, in
 * Chromium over "Fast 3G", how long after the click the welcome is painted.
 */
import http from 'node:http';
import { chromium } from 'playwright-core';
import { testConfig } from '../../src/config';
import { browserAvailable, CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/helpers/browser';
import { silentLogger } from '../../src/logger';
import { startService } from '../../src/service';

export interface WidgetBytes {
  totalBytes: number;
  files: { path: string; bytes: number; encoding: string | null }[];
  /** Cold open over "Fast 3G" in Chromium: the welcome's first paint, ms after the click (null without Chromium). */
  welcomeMs: number | null;
}

/** Chrome DevTools' "Fast 3G" preset (as the widget's browser test uses). */
const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: (1.6 * 1000 * 1000 / 8) * 0.9, uploadThroughput: (750 * 1000 / 8) * 0.9 };

/**
 * A patient's first open of the chat over a throttled link with an empty cache: the time
 * from the click on the launcher to the first paint of the chat frame (its first content
 * is the welcome), both on the browser's clock. Target: 2 s.
 */
async function welcomeAfterClick(baseUrl: string): Promise<number | null> {
  if (!browserAvailable()) return null;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    const launcher = page.locator('#calfbot-launcher');
    await launcher.waitFor({ state: 'visible', timeout: 30_000 });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', FAST_3G);
    await launcher.evaluate((node) => node.addEventListener('click', () => {
      (window as unknown as { clickedAt: number }).clickedAt = performance.timeOrigin + performance.now();
    }, { capture: true, once: true }));
    await launcher.click();
    const chat = page.frameLocator('#calfbot-frame');
    await chat.locator('#chat-welcome, .webchat__bubble').filter({ hasText: 'calf-pain assistant' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    const clickedAt = await page.evaluate(() => (window as unknown as { clickedAt: number }).clickedAt);
    const paintedAt = await chat.locator('body').evaluate(() => {
      const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
      return paint ? performance.timeOrigin + paint.startTime : null;
    });
    return paintedAt === null ? null : Math.round(paintedAt - clickedAt);
  } finally {
    await browser.close();
  }
}

function wireBytes(url: string): Promise<{ bytes: number; encoding: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const encoding = (res.headers['content-encoding'] as string | undefined) ?? null;
        resolve({ bytes: raw.length, encoding, body: encoding ? '' : raw.toString('utf8') });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

export async function widgetColdOpenBytes(): Promise<WidgetBytes> {
  const service = await startService(testConfig({ PORT: '0', HOST: '127.0.0.1' }), silentLogger);
  try {
    // The page itself, uncompressed, to find the content-hashed bundle URL.
    const page = await new Promise<string>((resolve, reject) => {
      http.get(`${service.url}/chat`, (res) => {
        let s = '';
        res.setEncoding('utf8').on('data', (c: string) => (s += c)).on('end', () => resolve(s)).on('error', reject);
      }).on('error', reject);
    });
    const bundle = /src="(\/vendor\/webchat\.[0-9a-f]{16}\.js)"/.exec(page)?.[1];
    if (!bundle) throw new Error('the chat page names no content-hashed Web Chat bundle');
    const files: WidgetBytes['files'] = [];
    for (const path of ['/chat', '/site/chat.js', bundle, '/favicon.ico']) {
      const got = await wireBytes(`${service.url}${path}`);
      files.push({ path, bytes: got.bytes, encoding: got.encoding });
    }
    return { totalBytes: files.reduce((a, f) => a + f.bytes, 0), files, welcomeMs: await welcomeAfterClick(service.url) };
  } finally {
    await service.stop();
  }
}
