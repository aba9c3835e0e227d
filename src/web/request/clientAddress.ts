/**
 * Who is asking, for rate limiting and the staff audit log.
 *
 * Client address: the socket's remote address, unless `trustProxy` is set (config
 * TRUST_PROXY=true, for one reverse proxy such as Azure App Service's front end), in
 * which case the RIGHTMOST X-Forwarded-For entry is used — the one our proxy appended;
 * entries to its left are client-supplied and can be forged. As a rate-limit key, IPv6
 * addresses are grouped by /64 (one host usually owns a whole /64) and IPv4-mapped IPv6
 * becomes IPv4. The limits themselves are rate-limiter-flexible's (src/web/request/limits.ts).
 */
import { isIP } from 'node:net';
import type { Request } from 'restify';

/** Normalise an address into a rate-limit key: IPv4 as is, IPv6 by /64. */
export function addressKey(address: string): string {
  let a = address.trim();
  if (a.startsWith('[')) a = a.slice(1, a.indexOf(']') > 0 ? a.indexOf(']') : undefined);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped?.[1]) return mapped[1];
  if (isIP(a) === 4) return a;
  if (isIP(a) === 6) return `${expandIpv6(a).slice(0, 4).join(':')}::/64`;
  return 'unknown';
}

function expandIpv6(a: string): string[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An embedded IPv4 tail takes two groups.
  const last = t.length ? t[t.length - 1] : h[h.length - 1];
  const v4 = last && last.includes('.') ? 1 : 0;
  const fill = tail !== undefined ? Array<string>(Math.max(0, 8 - v4 - h.length - t.length)).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => (g.includes('.') ? g : g.toLowerCase().replace(/^0+(?=.)/, '')));
}

/**
 * The client address for rate limiting. With `trustProxy`, the rightmost
 * X-Forwarded-For entry (appended by our proxy; may carry a port, as Azure's does).
 */
export function clientAddress(req: Request, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header[header.length - 1] : header;
    if (value) {
      const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
      const last = entries[entries.length - 1];
      if (last) return stripPort(last);
    }
  }
  return req.socket?.remoteAddress ?? 'unknown';
}

function stripPort(entry: string): string {
  if (entry.startsWith('[')) return entry.slice(1, entry.indexOf(']') > 0 ? entry.indexOf(']') : undefined);
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(entry);
  return v4WithPort?.[1] ?? entry;
}
