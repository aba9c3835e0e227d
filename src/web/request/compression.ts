/**
 * Compressed static files: each text file is kept as it is, gzipped and (where ready)
 * brotli-compressed, and sent in the best encoding the browser accepts
 * (Accept-Encoding), always with `Vary: Accept-Encoding`.
 *
 * The brotli copy (addBrotli) is made at the highest quality once, in zlib's thread pool,
 * and cached on disk by content hash (`node_modules/.cache/calfbot/`, also filled by
 * `npm run build`), so a restart does not pay for it again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompress, constants, gzipSync } from 'node:zlib';
import type { Request, Response } from 'restify';
import type { Logger } from '../../logger';
import type { StaticFile } from '../staticFiles';
import { PROJECT_DIR } from '../../paths';

export const COMPRESSION_CACHE_DIR = path.join(PROJECT_DIR, 'node_modules', '.cache', 'calfbot');

/** Files smaller than this are sent as they are (compression would not pay). */
const MIN_SIZE = 1024;

export interface CompressedFile extends StaticFile {
  /** First 16 hex digits of the SHA-256 of the body: for content-hashed URLs. */
  hash: string;
  gzip?: Buffer;
  br?: Buffer;
}

export function contentHash(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

function compressible(file: StaticFile): boolean {
  return file.body.length >= MIN_SIZE && /^(text\/|application\/json|image\/svg)/.test(file.type);
}

/** The file with its hash and, when worth it, a gzip copy (fast; brotli comes from addBrotli). */
export function compressFile(file: StaticFile): CompressedFile {
  const out: CompressedFile = { ...file, hash: contentHash(file.body) };
  if (!compressible(file)) return out;
  out.gzip = gzipSync(file.body, { level: 9 });
  return out;
}

export function brotliCacheFile(hash: string, dir = COMPRESSION_CACHE_DIR): string {
  return path.join(dir, `${hash}.br`);
}

function brotliAsync(body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    brotliCompress(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * Adds the brotli copy: from the disk cache when there, otherwise compressed in the
 * background (zlib's thread pool) and then cached. Resolves when `file.br` is set.
 */
export async function addBrotli(file: CompressedFile, logger?: Logger, dir = COMPRESSION_CACHE_DIR): Promise<void> {
  if (!compressible(file) || file.br) return;
  const cached = brotliCacheFile(file.hash, dir);
  try {
    file.br = readFileSync(cached);
    return;
  } catch {
    // not cached yet
  }
  const started = Date.now();
  file.br = await brotliAsync(file.body);
  logger?.info({ bytes: file.body.length, brotli: file.br.length, ms: Date.now() - started }, 'static file compressed');
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, file.br);
    renameSync(tmp, cached);
  } catch (err) {
    logger?.warn({ error: (err as Error).message }, 'could not cache a compressed file');
  }
}

/** The encodings a request accepts (q=0 excluded). */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  return accepted;
}

/** 200 with the file in the best accepted encoding; `headers` (lower-case names) after type and length. */
export function sendCompressed(req: Request, res: Response, file: CompressedFile, headers: Record<string, string> = {}): void {
  const accepted = acceptedEncodings(req.headers['accept-encoding'] as string | undefined);
  const [encoding, body] = file.br && accepted.has('br') ? ['br', file.br] as const
    : file.gzip && accepted.has('gzip') ? ['gzip', file.gzip] as const
      : [undefined, file.body] as const;
  const vary = file.gzip ? { vary: 'Accept-Encoding' } : {};
  res.writeHead(200, { 'content-type': file.type, 'content-length': body.length, ...(encoding ? { 'content-encoding': encoding } : {}), ...vary, ...headers });
  res.end(body);
}
