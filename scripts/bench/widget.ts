/**
 * "Widget cold open: bytes transferred": what a browser with an empty cache downloads
 * when a patient first opens the chat (after the clinic page and /widget.js): the chat
 * page, its script, the Web Chat bundle and the favicon, as sent with
 * `Accept-Encoding: br, gzip` by the bot itself (in-process, port 0, memory storage).
 * Bytes are the response bodies on the wire (compressed), headers left out.
 */
import http from 'node:http';
import { testConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { startService } from '../../src/service';

export interface WidgetBytes {
  totalBytes: number;
  files: { path: string; bytes: number; encoding: string | null }[];
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
    return { totalBytes: files.reduce((a, f) => a + f.bytes, 0), files };
  } finally {
    await service.stop();
  }
}
