/**
 * Channel authentication with MicrosoftAppId set: real Bot Framework JWT validation by
 * botbuilder, against OpenID metadata and keys served by nock, with tokens signed by a
 * test RSA key. Only login.botframework.com is mocked; every other host stays unmocked,
 * loopback is allowed, and nock is cleaned up after the file.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './securityHarness';
import { useNock } from './helpers/nock';

const APP_ID = '00000000-1111-2222-3333-444444444444';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
const ISSUER = 'https://api.botframework.com';
const KID = 'calfbot-test-key';

function rsaKey(): { privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: publicKey.export({ format: 'jwk' }) as unknown as Record<string, unknown> };
}

const trusted = rsaKey();
const stranger = rsaKey();

interface TokenOptions {
  key?: KeyObject;
  audience?: string;
  issuer?: string;
  expiresIn?: number;
  serviceUrl?: string;
  kid?: string;
}

function token(o: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + (o.expiresIn ?? 3600);
  return jwt.sign(
    { serviceurl: o.serviceUrl ?? SERVICE_URL, iat: Math.min(now, exp - 60), nbf: Math.min(now, exp - 60) - 5, exp },
    o.key ?? trusted.privateKey,
    { algorithm: 'RS256', keyid: o.kid ?? KID, audience: o.audience ?? APP_ID, issuer: o.issuer ?? ISSUER },
  );
}

function activity(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    id: `a${Math.random()}`,
    text: 'hello',
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    deliveryMode: 'expectReplies',
    conversation: { id: 'auth-conv' },
    from: { id: 'user-1' },
    recipient: { id: APP_ID },
    ...extra,
  };
}

useNock();

describe('Bot Framework channel authentication (MicrosoftAppId set)', () => {
  let h: Harness;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
    nock('https://login.botframework.com')
      .persist()
      .get('/v1/.well-known/openidconfiguration')
      .reply(200, { issuer: ISSUER, jwks_uri: 'https://login.botframework.com/v1/.well-known/keys', id_token_signing_alg_values_supported: ['RS256'] })
      .get('/v1/.well-known/keys')
      .reply(200, { keys: [{ ...trusted.jwk, kid: KID, kty: 'RSA', use: 'sig', endorsements: ['msteams', 'webchat', 'directline'] }] });
    h = await startHarness({ env: { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'test-app-password-not-real' } });
  });

  afterAll(async () => {
    await h?.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  async function post(body: unknown, authorization?: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${h.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  it('accepts a valid token and runs the turn', async () => {
    const res = await post(activity(), `Bearer ${token()}`);
    expect(res.status).toBe(200);
    expect((res.body as { activities: { text: string }[] }).activities.map((a) => a.text)).toEqual(['echo(1): hello']);
  });

  const rejected: [string, () => string | undefined][] = [
    ['no token', () => undefined],
    ['an empty bearer', () => 'Bearer '],
    ['a garbage token', () => 'Bearer not-a-jwt'],
    ['an expired token', () => `Bearer ${token({ expiresIn: -3600 })}`],
    ['a wrong audience', () => `Bearer ${token({ audience: 'some-other-bot' })}`],
    ['a wrong issuer', () => `Bearer ${token({ issuer: 'https://evil.example.com' })}`],
    ['a bad signature (signed by another key, same kid)', () => `Bearer ${token({ key: stranger.privateKey })}`],
    ['an unknown key id', () => `Bearer ${token({ kid: 'unknown-kid' })}`],
    ['a serviceurl claim for another service', () => `Bearer ${token({ serviceUrl: 'https://attacker.example.com/' })}`],
    ['the token in a non-Bearer scheme', () => `Basic ${token()}`],
  ];

  for (const [name, header] of rejected) {
    it(`rejects ${name} with 401 JSON and does not run the bot`, async () => {
      const res = await post(activity({ text: 'this must not be echoed' }), header());
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    });
  }

  it('rejects an unauthenticated request with 401 before looking at its body', async () => {
    const res = await post({ nonsense: true });
    expect(res.status).toBe(401);
  });

  it('requires a serviceUrl once authenticated (the token claim is only checked against one)', async () => {
    const res = await post(activity({ serviceUrl: undefined }), `Bearer ${token()}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { field: 'serviceUrl' } });
  });

  it('validates the activity after authentication (400 naming the field)', async () => {
    const res = await post(activity({ conversation: undefined }), `Bearer ${token()}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'invalid_activity', field: 'conversation' } });
  });

  it('still serves a valid token after all the rejections', async () => {
    const res = await post(activity({ text: 'again' }), `Bearer ${token()}`);
    expect(res.status).toBe(200);
    expect((res.body as { activities: { text: string }[] }).activities[0]?.text).toBe('echo(2): again');
  });
});
