/**
 * Security headers on the HTML pages (the chat widget pages and the staff console), and
 * no secrets or message text in the logs.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startService, type Service } from '../src/service';
import { formatCsp, sanitizeSources, securityHeaders, staffPagePolicy, widgetPagePolicy } from '../src/web/securityHeaders';
import { messageActivity, postActivity, startTestService } from './helpers/service';

function csp(header: string | null): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name] = sources;
  }
  return out;
}

function expectCommonHeaders(res: Response): void {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toMatch(/^(no-referrer|strict-origin-when-cross-origin)$/);
  expect(res.headers.get('permissions-policy')).toMatch(/camera=\(\)/);
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  const policy = csp(res.headers.get('content-security-policy'));
  expect(policy['default-src']).toEqual(["'self'"]);
  expect(policy['object-src']).toEqual(["'none'"]);
  expect(policy['script-src']).not.toContain("'unsafe-inline'");
  expect(policy['script-src']).not.toContain("'unsafe-eval'");
}

describe('security headers on pages', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startTestService({ FRAME_ANCESTORS: "'self' https://www.example-clinic.org" });
  });
  afterAll(async () => service?.stop());

  it('the chat widget page may be framed only where FRAME_ANCESTORS allows', async () => {
    const res = await fetch(`${service.url}/chat`);
    expect(res.status).toBe(200);
    expectCommonHeaders(res);
    const policy = csp(res.headers.get('content-security-policy'));
    expect(policy['frame-ancestors']).toEqual(["'self'", 'https://www.example-clinic.org']);
    expect(policy['connect-src']).toContain("'self'");
  });

  it('the demo page at / has the same protections', async () => {
    const res = await fetch(`${service.url}/`);
    expect(res.status).toBe(200);
    expectCommonHeaders(res);
    expect(csp(res.headers.get('content-security-policy'))['frame-ancestors']).toBeDefined();
  });

  it('the staff console is strict: never framed, no referrer, not cached', async () => {
    const res = await fetch(`${service.url}/staff`);
    expect(res.status).toBe(200);
    expectCommonHeaders(res);
    const policy = csp(res.headers.get('content-security-policy'));
    expect(policy['frame-ancestors']).toEqual(["'none'"]);
    expect(policy['style-src']).toEqual(["'self'"]);
    expect(policy['connect-src']).toEqual(["'self'"]);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
  });
});

describe('security header helpers', () => {
  it('cannot be tricked into extra directives by FRAME_ANCESTORS', () => {
    expect(sanitizeSources("'self' https://a.example; script-src * https://b.example")).toEqual(["'self'", 'https://a.example']);
    expect(sanitizeSources("'self' 'self' https://a.example")).toEqual(["'self'", 'https://a.example']);
    const header = securityHeaders(widgetPagePolicy({ FRAME_ANCESTORS: "'self';script-src *" }))['Content-Security-Policy'];
    expect(header).not.toMatch(/script-src \*/);
    expect(() => testConfig({ FRAME_ANCESTORS: "'self'; script-src *" })).toThrow(/FRAME_ANCESTORS/);
  });

  it('formats the staff policy as one header line', () => {
    expect(formatCsp(staffPagePolicy().csp)).toMatch(/^default-src 'self'; .*frame-ancestors 'none'/);
  });
});

describe('logs', () => {
  it('contain neither the app password nor what the user typed, at debug level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const secret = 'Sup3r-S3cret-App-Passw0rd-7f3a';
    const distinctive = 'zebra-marmalade-4417 my left calf aches after running';
    const flagged = 'quokka-lantern-9921 I think I have a blood clot and chest pain';
    // MicrosoftAppPassword set without an app id: the adapter still runs without auth,
    // but the secret is in the configuration the service holds.
    const config = testConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', MicrosoftAppPassword: secret, DIRECT_LINE_SECRET: 'dl-secret-quince-5521' });
    const service = await startService(config, createLogger('debug', sink));
    try {
      await postActivity(service.url, messageActivity(distinctive, 'log-1'));
      await postActivity(service.url, messageActivity(flagged, 'log-1'));
      await postActivity(service.url, messageActivity(`${distinctive} ${'x'.repeat(5000)}`, 'log-1'));
      await postActivity(service.url, { ...messageActivity(distinctive, 'log-1'), text: `${distinctive}\u0000` });
      await fetch(`${service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"text":"${distinctive}` });
    } finally {
      await service.stop();
    }
    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(3);
    for (const needle of [secret, 'dl-secret-quince-5521', 'zebra-marmalade', 'quokka-lantern', 'calf aches', 'blood clot']) {
      expect(all).not.toContain(needle);
    }
  });
});
