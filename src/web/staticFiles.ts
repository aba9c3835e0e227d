/** What the routes serving files (the Web Chat site, the staff console) share. */
import path from 'node:path';
import type { Response } from 'restify';

/** The only kinds of file served, by extension. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The content type of a file name, or undefined if it is not a kind we serve. */
export function contentTypeOf(fileName: string): string | undefined {
  return CONTENT_TYPES[path.extname(fileName)];
}

export interface StaticFile {
  body: Buffer;
  type: string;
}

/** 200 with the file as the body; `headers` (lower-case names) come after type and length. */
export function sendFile(res: Response, file: StaticFile, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, ...headers });
  res.end(file.body);
}
