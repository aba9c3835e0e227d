/**
 * Reads a request's body for restify's body parser: restify's own reader
 * (`restify/lib/plugins/bodyReader.js`, v11) step for step, with two differences.
 *
 *  - Its first line, `req.body = new Buffer(0)`, goes through Node's deprecated Buffer
 *    constructor, which captures a stack trace on every call to check whether the caller is
 *    inside node_modules (up to 10,000 times per process): ~1.5% of a turn's CPU while it
 *    lasts. Here the empty body is `Buffer.alloc(0)`, which is the same value.
 *  - A Content-Encoding is never inflated: restify's gunzip had no error handler and counted
 *    the limit in compressed bytes. `rejectContentEncoding` (./contentEncoding.ts) answers 415
 *    before this runs; should an encoding still arrive, the body is read and discarded and the
 *    request refused with the same error restify gives an encoding it does not know.
 *
 * Everything else is as in restify, so the parser behind it (restify's `parseBody`, JSON and
 * forms) and the error answers are unchanged: bodies without a length that are not chunked,
 * multipart and octet-stream bodies are not read; JSON, forms, text and a missing type become
 * a UTF-8 string, anything else a Buffer; bytes past `maxBodySize` are dropped and the request
 * is refused with PayloadTooLargeError (413) once the body has ended; a `Content-MD5` that does
 * not match is BadDigestError (400); an error, an abort or a closed response ends the read.
 */
import { createHash, type Hash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Request, RequestHandler, Response } from 'restify';

type ErrorClass = new (...args: unknown[]) => Error;
/** restify's own error classes (its restify-errors), so a refusal is exactly what restify would produce. */
const restifyErrors = createRequire(require.resolve('restify'))('restify-errors') as Record<'PayloadTooLargeError' | 'BadDigestError' | 'UnsupportedMediaTypeError', ErrorClass>;

interface ReadableRequest extends Request {
  _readBody?: boolean;
}

function isTextType(contentType: string): boolean {
  return !contentType
    || contentType === 'application/json'
    || contentType === 'application/x-www-form-urlencoded'
    || contentType === 'multipart/form-data'
    || contentType.startsWith('text/');
}

export function bodyReader(options: { maxBodySize: number }): RequestHandler {
  const maxBodySize = options.maxBodySize || 0;

  return function readBody(req: ReadableRequest, res: Response, originalNext: (err?: unknown) => void): void {
    let called = false;
    const next = (err?: unknown): void => {
      if (called) return;
      called = true;
      originalNext(err);
    };

    // don't read the body again if it was read once
    if (req._readBody) {
      next();
      return;
    }
    req._readBody = true;

    const contentType = req.contentType();
    if ((req.getContentLength() === 0 && !req.isChunked()) || contentType === 'multipart/form-data' || contentType === 'application/octet-stream') {
      next();
      return;
    }

    const chunks: Buffer[] = [];
    const isText = isTextType(contentType);
    req.body = Buffer.alloc(0);
    let bytesReceived = 0;
    const md5 = req.headers['content-md5'];
    const hash: Hash | undefined = md5 ? createHash('md5') : undefined;
    const encoding = req.headers['content-encoding'];

    const done = (): void => {
      const body = Buffer.concat(chunks);
      req.body = isText ? body.toString('utf8') : body;
      if (encoding !== undefined) {
        next(new restifyErrors.UnsupportedMediaTypeError({ info: { contentEncoding: encoding } }, 'content encoding not supported'));
        return;
      }
      if (maxBodySize && bytesReceived > maxBodySize) {
        next(new restifyErrors.PayloadTooLargeError(`Request body size exceeds ${maxBodySize}`));
        return;
      }
      if (!(req.body as string | Buffer).length) {
        next();
        return;
      }
      let digest: string;
      if (hash && md5 !== (digest = hash.digest('base64'))) {
        next(new restifyErrors.BadDigestError("Content-MD5 '%s' didn't match '%s'", md5, digest));
        return;
      }
      next();
    };

    if (encoding !== undefined) res.setHeader('Accept-Encoding', 'identity');
    req.once('end', done);
    req.on('data', (chunk: Buffer) => {
      if (maxBodySize) {
        bytesReceived += chunk.length;
        if (bytesReceived > maxBodySize) return;
      }
      if (encoding !== undefined) return;
      hash?.update(chunk);
      chunks.push(chunk);
    });
    req.once('error', next);
    // a client that stops sending half-way must not keep the request (and its memory) alive
    res.once('close', next);
    req.once('aborted', next);
    req.resume();
  };
}
