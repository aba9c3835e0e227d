/**
 * Compressed request bodies are refused before the body parser sees them.
 *
 * restify's body reader inflates `Content-Encoding: gzip` with a gunzip stream that has
 * no 'error' handler (a body that is not valid gzip crashed the process), and it counts
 * the limit in compressed bytes (a 200 KB gzip bomb became 200 MB). Bot Framework
 * channels, Web Chat and the staff console never compress requests, so any encoding
 * other than `identity` is answered 415 with `Accept-Encoding: identity`, on every route,
 * before a byte of the body is read.
 */
import type { Request, Response } from 'restify';
import { sendError } from './respond';

/** True when the request declares no encoding, or only `identity`. */
export function isIdentityEncoding(header: string | string[] | undefined): boolean {
  if (header === undefined) return true;
  const values = (Array.isArray(header) ? header.join(',') : header).split(',').map((v) => v.trim().toLowerCase());
  return values.every((v) => v === 'identity' || v === '');
}

/** Whether the request carries a body (restify's reader skips those without). */
function hasBody(req: Request): boolean {
  const length = Number(req.headers['content-length'] ?? 0);
  return length > 0 || req.headers['transfer-encoding'] !== undefined;
}

export function rejectContentEncoding(req: Request, res: Response, next: (err?: false) => void): void {
  if (isIdentityEncoding(req.headers['content-encoding']) || !hasBody(req)) {
    // restify's reader refuses any declared encoding but gzip, `identity` included;
    // an encoding on a request without a body (a GET) is harmless.
    delete req.headers['content-encoding'];
    return next();
  }
  res.setHeader('Accept-Encoding', 'identity');
  // Answer once the body has arrived (discarded, never inflated): answering mid-upload makes
  // keep-alive clients reset the connection under their next request. Past DRAIN_LIMIT the
  // connection is closed instead of reading on.
  let received = 0;
  let answered = false;
  const answer = (close: boolean): void => {
    if (answered) return;
    answered = true;
    if (close) res.setHeader('Connection', 'close');
    sendError(res, 415, 'unsupported_content_encoding', 'Compressed request bodies are not accepted: send the JSON uncompressed (no Content-Encoding).', 'content-encoding');
    next(false);
  };
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > DRAIN_LIMIT) {
      req.pause();
      answer(true);
    }
  });
  req.once('end', () => answer(false));
  req.once('error', () => answer(true));
  req.resume();
}

/** Most bytes of a refused body read (and discarded) before the connection is closed. */
const DRAIN_LIMIT = 1024 * 1024;
