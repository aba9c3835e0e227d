/**
 * Serves the console (public/staff/) with the strict staff policy of
 * src/web/securityHeaders.ts: everything from this origin, no inline scripts or
 * styles, no framing, no caching. Nothing loads from outside.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'restify';
import type { Logger } from '../logger';
import { sendError } from './request/respond';
import { apiPolicy, applySecurityHeaders, staffPagePolicy } from './securityHeaders';
import { contentTypeOf, sendFile } from './staticFiles';
import { PROJECT_DIR } from '../paths';

/** Console file names: no directories, no dots but the extension's, only extensions contentTypeOf knows. */
const FILE_PATTERN = /^[a-z0-9][a-z0-9-]*\.(html|js|css|svg|png|ico)$/;

/** Headers for every staff response: no caching of patient data, no sniffing, no framing. */
export function setApiHeaders(res: Response): void {
  applySecurityHeaders(res, apiPolicy());
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Frame-Options', 'DENY');
}

/** public/staff, found from the working directory or from the project's folder. */
export function findPublicDir(): string {
  const candidates = [
    path.resolve(process.cwd(), 'public', 'staff'),
    path.join(PROJECT_DIR, 'public', 'staff'),
  ];
  const [fromWorkingDir] = candidates;
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? fromWorkingDir ?? path.resolve('public', 'staff');
}

export function createStaticHandler(logger: Logger, dir = findPublicDir()) {
  return async (req: Request, res: Response): Promise<void> => {
    const requested = (req.params as Record<string, string | undefined>).file ?? 'index.html';
    applySecurityHeaders(res, staffPagePolicy());
    if (!FILE_PATTERN.test(requested)) return sendError(res, 404, 'not_found', 'Not found.');
    let body: Buffer;
    try {
      body = await fs.promises.readFile(path.join(dir, requested));
    } catch {
      if (requested === 'index.html') logger.error({ dir }, 'staff console files not found');
      return sendError(res, 404, 'not_found', 'Not found.');
    }
    sendFile(res, { body, type: contentTypeOf(requested) ?? 'application/octet-stream' });
  };
}
