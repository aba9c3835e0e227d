/**
 * Security headers for HTML pages (and a stricter set for JSON APIs).
 *
 *   server.get('/', securityHeadersHandler(widgetPagePolicy(config)), servePage);
 *   server.get('/staff', securityHeadersHandler(staffPagePolicy()), serveStaff);
 *   // or inside a handler: applySecurityHeaders(res, staffPagePolicy());
 *
 * Every page gets: Content-Security-Policy (per page), X-Content-Type-Options: nosniff,
 * Referrer-Policy, Permissions-Policy (no camera, microphone, geolocation, payment…),
 * Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Resource-Policy.
 * - widget pages (the chat, embeddable): frame-ancestors from config FRAME_ANCESTORS,
 *   connect-src allows the Direct Line endpoint (https + wss), inline styles are allowed
 *   because Web Chat injects its styles at run time; scripts only from 'self' plus any
 *   extra origins the page declares (e.g. a CDN bundle).
 * - staff pages: everything 'self' only, frame-ancestors 'none' (+ X-Frame-Options DENY),
 *   Referrer-Policy no-referrer, Cache-Control no-store.
 */
import type { Request, RequestHandler, Response } from 'restify';

export type CspDirectives = Record<string, string[]>;

export interface PagePolicy {
  csp: CspDirectives;
  referrerPolicy: 'no-referrer' | 'strict-origin-when-cross-origin' | 'same-origin';
  /** Extra headers (e.g. X-Frame-Options, Cache-Control). */
  extra?: Record<string, string>;
}

export const PERMISSIONS_POLICY = [
  'accelerometer=()', 'camera=()', 'display-capture=()', 'geolocation=()', 'gyroscope=()',
  'magnetometer=()', 'microphone=()', 'payment=()', 'usb=()', 'interest-cohort=()',
].join(', ');

/**
 * A CSP source list must not be able to inject directives or headers: everything from
 * the first `;` or `,` on is dropped, as are non-printable tokens and duplicates.
 */
export function sanitizeSources(list: string): string[] {
  const first = list.split(/[;,\r\n]/)[0] ?? '';
  const tokens = first.split(/\s+/).filter((s) => s.length > 0 && /^[\x21-\x7E]+$/.test(s));
  return [...new Set(tokens)];
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export interface WidgetPolicyOptions {
  /** Config FRAME_ANCESTORS: which sites may embed the chat (space-separated CSP sources). */
  FRAME_ANCESTORS: string;
  /** Config DIRECT_LINE_ENDPOINT; its origin (https and wss) goes into connect-src. */
  DIRECT_LINE_ENDPOINT?: string;
  /** Extra script origins (e.g. 'https://cdn.botframework.com' when Web Chat comes from the CDN). */
  scriptSrc?: string[];
  /** Extra connect-src entries. */
  connectSrc?: string[];
}

/** Policy for pages that host Web Chat and may be embedded where FRAME_ANCESTORS allows. */
export function widgetPagePolicy(options: WidgetPolicyOptions): PagePolicy {
  const connect = ["'self'"];
  const dl = options.DIRECT_LINE_ENDPOINT ? originOf(options.DIRECT_LINE_ENDPOINT) : undefined;
  if (dl) connect.push(dl, dl.replace(/^http/, 'ws'));
  const ancestors = sanitizeSources(options.FRAME_ANCESTORS);
  return {
    csp: {
      'default-src': ["'self'"],
      'script-src': ["'self'", ...(options.scriptSrc ?? []).flatMap(sanitizeSources)],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:', 'blob:', 'https:'],
      'media-src': ["'self'", 'data:', 'blob:', 'https:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': [...connect, ...(options.connectSrc ?? []).flatMap(sanitizeSources)],
      'frame-ancestors': ancestors.length > 0 ? ancestors : ["'none'"],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
    },
    referrerPolicy: 'strict-origin-when-cross-origin',
  };
}

/** Strict policy for the staff console: same-origin only, never framed, never cached. */
export function staffPagePolicy(): PagePolicy {
  return {
    csp: {
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'"],
      'connect-src': ["'self'"],
      'frame-ancestors': ["'none'"],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'self'"],
    },
    referrerPolicy: 'no-referrer',
    extra: { 'X-Frame-Options': 'DENY', 'Cache-Control': 'no-store' },
  };
}

/** For JSON API responses: nothing may be rendered or framed. */
export function apiPolicy(): PagePolicy {
  return {
    csp: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] },
    referrerPolicy: 'no-referrer',
  };
}

export function formatCsp(csp: CspDirectives): string {
  return Object.entries(csp)
    .filter(([name]) => /^[a-z-]+$/.test(name))
    .map(([name, sources]) => (sources.length ? `${name} ${sources.join(' ')}` : name))
    .join('; ');
}

/** All headers for a policy, as a plain object (e.g. for `res.writeHead`). */
export function securityHeaders(policy: PagePolicy): Record<string, string> {
  return {
    'Content-Security-Policy': formatCsp(policy.csp),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': policy.referrerPolicy,
    'Permissions-Policy': PERMISSIONS_POLICY,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...(policy.extra ?? {}),
  };
}

export function applySecurityHeaders(res: Response, policy: PagePolicy): void {
  for (const [name, value] of Object.entries(securityHeaders(policy))) res.setHeader(name, value);
}

/** A restify handler that sets the headers and continues; put it before the page handler. */
export function securityHeadersHandler(policy: PagePolicy): RequestHandler {
  const headers = securityHeaders(policy);
  return (_req: Request, res: Response, next: () => void) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    next();
  };
}
