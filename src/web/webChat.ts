/**
 * The website widget: the demo clinic page (`/`), the chat page for the iframe (`/chat`),
 * the embed script (`/widget.js`), the page assets (`/site/*`), `/favicon.ico`, Web Chat's
 * bundle served from the bot itself (nothing loads from a CDN), and two small APIs.
 *
 * Fast first open: text files go out compressed (brotli or gzip, by Accept-Encoding; see
 * src/web/request/compression.ts); the bundle has a content-hashed URL (`/vendor/webchat.<hash>.js`,
 * cached for a year, immutable) and is only loaded by the chat page, which the widget
 * frames on the first click. The chat page carries its settings and the welcome text, so
 * the welcome shows while the bundle is still arriving.
 *
 *   GET  /api/webchat/config     → { mode: 'self-hosted' | 'azure', domain, tokenUrl, webSocket, clinic }
 *   POST /api/directline/token   → Azure mode only: exchanges DIRECT_LINE_SECRET for a
 *                                  per-conversation token, so the secret never reaches a browser.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler, Response, Server } from 'restify';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { sendError, sendJson } from './request/respond';
import { securityHeaders, widgetPagePolicy, type PagePolicy } from './securityHeaders';
import { contentTypeOf, type StaticFile } from './staticFiles';
import { addBrotli, compressFile, contentHash, sendCompressed, type CompressedFile } from './request/compression';
import { renderChatPage, renderDemoPage, welcomeParagraphs } from './widgetPages';
import { randomId } from '../channels/tokens';
import { DIRECT_LINE_BASE } from './directLine';
import { PROJECT_DIR } from '../paths';

export const SITE_DIR = path.join(PROJECT_DIR, 'public', 'site');
// The package's "exports" hide dist/, so the file is addressed directly (UMD bundle, Adaptive Cards included).
export const WEBCHAT_BUNDLE = path.join(PROJECT_DIR, 'node_modules', 'botframework-webchat', 'dist', 'webchat.js');

export interface WebChatRouteDeps {
  config: Config;
  logger: Logger;
  /** For tests: a fetch to use for the Azure token exchange. */
  fetchImpl?: typeof fetch;
  /** Handlers run before the token exchange (e.g. a per-IP rate limit). */
  tokenGuards?: RequestHandler[];
}

/** The files of public/site, read once (a small, fixed set: no path from a request ever reaches the file system). */
function loadSite(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub))) {
      const rel = sub ? `${sub}/${name}` : name;
      const full = path.join(dir, rel);
      if (statSync(full).isDirectory()) walk(rel);
      else {
        const type = contentTypeOf(name);
        if (type) files.set(rel, { body: readFileSync(full), type });
      }
    }
  };
  walk('');
  return files;
}

const html = (text: string): StaticFile => ({ body: Buffer.from(text), type: 'text/html; charset=utf-8' });

export type WebChatMode = 'self-hosted' | 'azure';

export function webChatMode(config: Config): WebChatMode {
  return config.DIRECT_LINE_SECRET ? 'azure' : 'self-hosted';
}

export function webChatRoutes(deps: WebChatRouteDeps): (server: Server) => void {
  const { config, logger } = deps;
  const doFetch = deps.fetchImpl ?? fetch;
  const mode = webChatMode(config);
  const site = loadSite(SITE_DIR);
  const azureDomain = `${config.DIRECT_LINE_ENDPOINT.replace(/\/+$/, '')}/v3/directline`;

  // The chat page may be framed where FRAME_ANCESTORS allows (and by our own demo page).
  const chatPolicy = widgetPagePolicy({
    FRAME_ANCESTORS: `'self' ${config.FRAME_ANCESTORS}`,
    DIRECT_LINE_ENDPOINT: mode === 'azure' ? config.DIRECT_LINE_ENDPOINT : undefined,
  });
  const demoPolicy: PagePolicy = { ...widgetPagePolicy({ FRAME_ANCESTORS: "'self'" }), extra: { 'X-Frame-Options': 'SAMEORIGIN' } };

  const chatConfig = (): Record<string, unknown> => {
    const clinic = { name: config.CLINIC_NAME, phone: config.CLINIC_PHONE, emergencyNumber: config.EMERGENCY_NUMBER, color: config.CLINIC_COLOR, logo: config.CLINIC_LOGO_URL ?? null };
    return mode === 'azure'
      ? { mode, domain: azureDomain, tokenUrl: '/api/directline/token', webSocket: true, clinic }
      : { mode, domain: DIRECT_LINE_BASE, tokenUrl: `${DIRECT_LINE_BASE}/tokens/generate`, webSocket: false, clinic };
  };

  // The site's small files are compressed at start-up. The bundle is compressed on its first
  // request: its brotli copy comes from the disk cache, or is made once (seconds of CPU) and cached.
  const files = new Map<string, CompressedFile>([...site].map(([rel, file]) => [rel, compressFile(file)]));
  const bundleBody = readFileSync(WEBCHAT_BUNDLE);
  const bundlePath = `/vendor/webchat.${contentHash(bundleBody)}.js`;
  let bundleReady: Promise<CompressedFile> | undefined;
  const webchatBundle = (): Promise<CompressedFile> => (bundleReady ??= (async () => {
    const file = compressFile({ body: bundleBody, type: contentTypeOf(WEBCHAT_BUNDLE)! });
    await addBrotli(file, logger).catch((err: unknown) => logger.warn({ error: (err as Error).message }, 'could not brotli-compress the Web Chat bundle'));
    return file;
  })());
  const demoPage = compressFile(html(renderDemoPage(site.get('index.html')!.body.toString('utf8'), config)));
  const chatPage = compressFile(html(renderChatPage(site.get('chat.html')!.body.toString('utf8'), config, {
    webchatSrc: bundlePath, chatConfig: chatConfig(), welcome: welcomeParagraphs(config), css: site.get('chat.css')!.body.toString('utf8'),
  })));

  function send(req: Request, res: Response, file: CompressedFile | undefined, headers: Record<string, string>, cache = 'no-cache'): void {
    if (!file) return sendError(res, 404, 'not_found', 'Not found');
    // Lower-case names, so a page policy's headers replace the defaults instead of doubling them.
    const extra = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    sendCompressed(req, res, file, { 'cache-control': cache, 'x-content-type-options': 'nosniff', ...extra });
  }
  const sameOrigin = { 'cross-origin-resource-policy': 'same-origin' };

  return (server) => {
    server.get('/', async (req: Request, res: Response) => send(req, res, demoPage, securityHeaders(demoPolicy)));
    server.get('/chat', async (req: Request, res: Response) => send(req, res, chatPage, securityHeaders(chatPolicy)));
    // The embed script runs on the clinic's own site, so it may be loaded cross-origin.
    server.get('/widget.js', async (req: Request, res: Response) =>
      send(req, res, files.get('widget.js'), { 'cross-origin-resource-policy': 'cross-origin', 'access-control-allow-origin': '*' }, 'public, max-age=300'));
    server.get('/favicon.ico', async (req: Request, res: Response) => send(req, res, files.get('favicon.ico'), sameOrigin, 'public, max-age=86400'));
    server.get('/site/*', async (req: Request, res: Response) => {
      const rel = decodeURIComponent(req.path()).replace(/^\/site\//, '');
      send(req, res, rel.endsWith('.html') ? undefined : files.get(rel), sameOrigin);
    });
    // The content-hashed URL never changes meaning: cached for a year. The plain name stays for old pages.
    server.get(bundlePath, async (req: Request, res: Response) => send(req, res, await webchatBundle(), sameOrigin, 'public, max-age=31536000, immutable'));
    server.get('/vendor/webchat.js', async (req: Request, res: Response) => send(req, res, await webchatBundle(), sameOrigin, 'public, max-age=300'));

    server.get('/api/webchat/config', async (_req: Request, res: Response) => sendJson(res, 200, chatConfig(), { 'cache-control': 'no-store' }));

    server.post('/api/directline/token', ...(deps.tokenGuards ?? []), async (_req: Request, res: Response) => {
      if (mode !== 'azure' || !config.DIRECT_LINE_SECRET) {
        return sendError(res, 404, 'not_configured', `Azure Direct Line is not configured (DIRECT_LINE_SECRET); use ${DIRECT_LINE_BASE}/tokens/generate`);
      }
      const userId = randomId('dl_');
      try {
        const upstream = await doFetch(`${azureDomain}/tokens/generate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${config.DIRECT_LINE_SECRET}`, 'content-type': 'application/json' },
          body: JSON.stringify({ user: { id: userId } }),
          signal: AbortSignal.timeout(10_000),
        });
        if (!upstream.ok) {
          logger.warn({ status: upstream.status }, 'direct line token exchange failed');
          return sendError(res, 502, 'upstream_error', 'Could not get a chat token from Direct Line. Please try again later.');
        }
        const body = (await upstream.json()) as { token?: unknown; conversationId?: unknown; expires_in?: unknown };
        if (typeof body.token !== 'string' || typeof body.conversationId !== 'string') {
          logger.warn('direct line token exchange returned an unexpected body');
          return sendError(res, 502, 'upstream_error', 'Could not get a chat token from Direct Line. Please try again later.');
        }
        sendJson(res, 200, { token: body.token, conversationId: body.conversationId, expires_in: typeof body.expires_in === 'number' ? body.expires_in : undefined, userId }, { 'cache-control': 'no-store' });
      } catch (err) {
        logger.warn({ error: (err as Error).name }, 'direct line token exchange failed');
        sendError(res, 502, 'upstream_error', 'Could not get a chat token from Direct Line. Please try again later.');
      }
    });
  };
}
