/**
 * A fast first open of the widget: the bot's static files go out compressed in the best
 * encoding the browser accepts (brotli, gzip, or none), with Vary: Accept-Encoding; the
 * Web Chat bundle has a content-hashed URL cached for a year; /favicon.ico exists; the
 * pages carry the clinic's branding from the settings, escaped.
 */
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedEncodings, addBrotli, brotliCacheFile, compressFile } from '../src/web/request/compression';
import { ConfigError, testConfig } from '../src/config';
import { WEBCHAT_BUNDLE } from '../src/web/webChat';
import { startTestService } from './helpers/service';
import type { Service } from '../src/service';

describe('compressed static files', () => {
  let service: Service;
  let bundlePath: string;
  const original = readFileSync(WEBCHAT_BUNDLE);

  beforeAll(async () => {
    service = await startTestService({ CLINIC_NAME: 'Oak & Ash <Physio>', CLINIC_COLOR: '#1e3a8a', CLINIC_HOURS: 'Mon–Sat 7:00–20:00', CLINIC_LOGO_URL: '/site/favicon.ico' });
    const html = await (await fetch(`${service.url}/chat`)).text();
    bundlePath = /src="(\/vendor\/webchat\.[0-9a-f]{16}\.js)"/.exec(html)![1]!;
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('sends the bundle as brotli to browsers that accept it, cached for a year under its content hash', async () => {
    const res = await fetch(`${service.url}${bundlePath}`, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // fetch decodes: the same bytes as Web Chat's bundle
    expect(Buffer.from(await res.arrayBuffer()).equals(original)).toBe(true);
    const sent = await new Promise<number>((resolve, reject) => {
      http.get(`${service.url}${bundlePath}`, { headers: { 'accept-encoding': 'br' } }, (r) => {
        let n = 0;
        r.on('data', (c: Buffer) => (n += c.length)).on('end', () => resolve(n)).on('error', reject);
      }).on('error', reject);
    });
    expect(sent).toBeLessThan(original.length / 4);
  });

  it('falls back to gzip, then to no encoding', async () => {
    const gz = await fetch(`${service.url}/site/chat.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const plain = await fetch(`${service.url}/site/chat.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Accept-Encoding');
    expect(await plain.text()).toContain('renderWebChat');
  });

  it('serves /favicon.ico', async () => {
    const res = await fetch(`${service.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/x-icon');
    expect(Buffer.from(await res.arrayBuffer()).readUInt16LE(2)).toBe(1); // an ICO header
  });

  it('brands the demo and chat pages from the settings, escaped', async () => {
    const demo = await (await fetch(`${service.url}/`)).text();
    expect(demo).toContain('Oak &amp; Ash &lt;Physio&gt;');
    expect(demo).not.toContain('<Physio>');
    expect(demo).toContain('#1e3a8a');
    expect(demo).toContain('Mon–Sat 7:00–20:00');
    expect(demo).toContain('src="/site/favicon.ico"');
    const chat = await (await fetch(`${service.url}/chat`)).text();
    expect(chat).toContain('Oak &amp; Ash &lt;Physio&gt; calf-pain assistant');
    expect(chat).not.toMatch(/\{\{\w+\}\}/);
  });
});

describe('compression helpers', () => {
  it('reads Accept-Encoding, leaving out q=0', () => {
    expect([...acceptedEncodings('gzip, br;q=0, deflate')]).toEqual(['gzip', 'deflate']);
    expect([...acceptedEncodings(undefined)]).toEqual([]);
  });

  it('gzips text and caches the brotli copy on disk by content hash', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'calfbot-br-'));
    try {
      const file = compressFile({ body: Buffer.from('hello calf '.repeat(500)), type: 'text/javascript; charset=utf-8' });
      expect(gunzipSync(file.gzip!).toString()).toBe('hello calf '.repeat(500));
      await addBrotli(file, undefined, dir);
      expect(brotliDecompressSync(readFileSync(brotliCacheFile(file.hash, dir))).toString()).toBe('hello calf '.repeat(500));
      const again = compressFile({ body: file.body, type: file.type });
      await addBrotli(again, undefined, dir);
      expect(again.br!.equals(file.br!)).toBe(true);
      expect(compressFile({ body: Buffer.from('tiny'), type: 'text/css' }).gzip).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('branding settings', () => {
  it('refuses a colour too light for white text, naming the setting', () => {
    expect(() => testConfig({ CLINIC_COLOR: '#ffcc00' })).toThrow(ConfigError);
    expect(() => testConfig({ CLINIC_COLOR: '#ffcc00' })).toThrow(/CLINIC_COLOR.*dark enough/);
    expect(() => testConfig({ CLINIC_LOGO_URL: 'javascript:alert(1)' })).toThrow(/CLINIC_LOGO_URL/);
    expect(testConfig({ CLINIC_COLOR: '#0b6e4f' }).CLINIC_COLOR).toBe('#0b6e4f');
  });
});
