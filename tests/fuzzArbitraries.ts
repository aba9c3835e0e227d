/**
 * fast-check generators of hostile /api/messages request bodies, shared by
 * tests/fuzz.test.ts (≥ 5,000 per `npm test`) and scripts/fuzz.ts (`npm run fuzz`).
 *
 * A case is the raw request: a body (string or bytes) and a content type. Most cases are
 * activities that are almost right, with one or more fields replaced by something odd;
 * the rest are arbitrary JSON, malformed JSON, random bytes and odd content types.
 */
import fc from 'fast-check';

export interface FuzzCase {
  body: string | Uint8Array;
  contentType: string;
  /** What the case is, for reports. */
  kind: string;
}

const NASTY_CHARS = [
  '\u0000', '\u0001', '\u0007', '\u001b', '\u007f', '\u0085', '\u009f', '\t', '\n', '\r',
  '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2060', '\ufeff', '\u00ad',
  '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
  '\ud800', '\udfff', '\ud83d', '\ude00', '\ufffe', '\uffff', '\ufffd',
  '😀', '👨‍👩‍👧', '🏽', '\u0301', 'ﷺ', '𝕏', 'İ', 'ß', 'ǅ', '<script>', '"', '\\', '%00', '${x}', '{{x}}',
  ' clot ', ' chest pain ', 'DVT', '<at>calfbot</at>',
];

const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 4, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NASTY_CHARS), fc.string({ maxLength: 5 })), { maxLength: 12 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '   \n ', 'x'.repeat(4000), 'x'.repeat(4001), `${'a '.repeat(3000)}I think I have a clot`) },
  { weight: 1, arbitrary: fc.integer({ min: 4001, max: 60_000 }).map((n) => 'word '.repeat(Math.ceil(n / 5)).slice(0, n)) },
);

const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1e308, Number.MAX_SAFE_INTEGER, [], {}, [null], { id: null }, { id: 42 }, { id: '' }, { id: ' ' }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const ACTIVITY_TYPES = ['message', 'conversationUpdate', 'typing', 'endOfConversation', 'event', 'invoke', 'messageReaction', 'installationUpdate', 'messageUpdate', 'messageDelete', 'deleteUserData', 'contactRelationUpdate', 'trace', 'handoff', 'command', 'Message', 'MESSAGE', '', 'message ', 'unknownType'];

/**
 * An almost-valid activity: right shape, with some fields odd. `serviceUrl` is where
 * replies with deliveryMode "normal" go (a fake channel on loopback in the tests).
 */
export const activityArbitrary = (serviceUrl: string): fc.Arbitrary<Record<string, unknown>> => fc
  .record(
    {
      type: fc.oneof({ weight: 10, arbitrary: fc.constant('message') }, { weight: 6, arbitrary: fc.constantFrom(...ACTIVITY_TYPES) }, { weight: 1, arbitrary: oddValue }),
      text: fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 60 }) }, { weight: 5, arbitrary: nastyString }, { weight: 1, arbitrary: oddValue }),
      conversationId: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('fz-1', 'fz-2', 'fz-3', '19:abc@thread.tacv2;messageid=1') }, { weight: 10, arbitrary: fc.uuid() }, { weight: 2, arbitrary: nastyString }, { weight: 1, arbitrary: oddValue }),
      fromId: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('user-1', 'user-2') }, { weight: 1, arbitrary: nastyString }, { weight: 1, arbitrary: oddValue }),
      drop: fc.oneof({ weight: 5, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.subarray(['type', 'conversation', 'from', 'recipient', 'text', 'channelId', 'serviceUrl', 'deliveryMode', 'id'], { maxLength: 2 }) }),
      extra: fc.dictionary(
        fc.constantFrom('attachments', 'entities', 'membersAdded', 'membersRemoved', 'value', 'channelData', 'timestamp', 'localTimestamp', 'locale', 'replyToId', 'name', 'serviceUrl', 'channelId', 'deliveryMode', 'recipient', 'suggestedActions', 'textFormat', 'expiration', '__proto__', 'constructor', 'prototype'),
        fc.oneof(
          oddValue,
          fc.constantFrom(
            [{ contentType: 'image/png', contentUrl: 'http://127.0.0.1:9/x.png' }],
            [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } }],
            [{ type: 'mention', mentioned: { id: 'bot' }, text: '<at>calfbot</at>' }],
            [{ type: 'mention', mentioned: { id: 'bot' }, text: '' }],
            [{ type: 'mention' }],
            [{ id: 'user-1' }, { id: 'bot' }],
            { text: 'clot in my calf' },
            { msteams: { value: 'hello' } },
            'javascript:alert(1)',
            'http://169.254.169.254/latest/meta-data/',
            'not a date',
            '2024-02-30T25:61:00Z',
            'normal',
            'expectReplies',
            { polluted: true },
          ),
        ),
        { maxKeys: 3, size: 'xsmall' },
      ),
      expectReplies: fc.boolean(),
    },
    { requiredKeys: ['type', 'text', 'conversationId', 'fromId', 'drop', 'extra', 'expectReplies'] },
  )
  .map(({ type, text, conversationId, fromId, drop, extra, expectReplies }) => {
    const activity: Record<string, unknown> = {
      type,
      id: 'fz',
      text,
      channelId: 'test',
      serviceUrl,
      deliveryMode: expectReplies ? 'expectReplies' : 'normal',
      conversation: { id: conversationId },
      from: { id: fromId, name: 'Fuzz' },
      recipient: { id: 'bot', name: 'calfbot' },
    };
    for (const key of drop) delete activity[key];
    // Define (not assign) so "__proto__" becomes an own key in the JSON, as an attacker sends it.
    for (const [k, v] of Object.entries(extra)) Object.defineProperty(activity, k, { value: v, enumerable: true, writable: true, configurable: true });
    return activity;
  });

export const fuzzCaseArbitrary = (serviceUrl: string): fc.Arbitrary<FuzzCase> => fc.oneof(
  { weight: 14, arbitrary: activityArbitrary(serviceUrl).map((a) => ({ kind: 'activity', body: JSON.stringify(a), contentType: 'application/json' })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'json', body: JSON.stringify(v) ?? 'null', contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => ({ kind: 'malformed-json', body: `{"type":"message","text":${s}`, contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'bytes', body: b, contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).map((n) => ({ kind: 'deep-nesting', body: `${'['.repeat(n)}${']'.repeat(n)}`, contentType: 'application/json' })) },
  {
    weight: 1,
    arbitrary: fc.tuple(activityArbitrary(serviceUrl), fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=latin1', '', 'application/jsonx')).map(([a, ct]) => ({ kind: 'content-type', body: JSON.stringify(a), contentType: ct })),
  },
);

export interface FuzzResult {
  status: number;
  body: string;
}

/** POST one case to /api/messages. */
export async function sendCase(baseUrl: string, c: FuzzCase): Promise<FuzzResult> {
  const headers: Record<string, string> = {};
  if (c.contentType) headers['content-type'] = c.contentType;
  const res = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers, body: typeof c.body === 'string' ? c.body : new Blob([new Uint8Array(c.body)]), signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: await res.text() };
}

/** The invariant every answer must satisfy; returns a problem or undefined. */
export function checkResult(c: FuzzCase, r: FuzzResult): string | undefined {
  // 501 is the Bot Framework answer to a (well-formed, named) invoke the bot does not handle.
  const unhandledInvoke = r.status === 501 && typeof c.body === 'string' && /"type"\s*:\s*"invoke"/.test(c.body);
  if ((r.status >= 500 && !unhandledInvoke) || r.status < 200 || (r.status >= 300 && r.status < 400)) return `status ${r.status}`;
  if (r.body) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.body);
    } catch {
      return `non-JSON body for status ${r.status}`;
    }
    if (r.status >= 400) {
      const err = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
      if (!err || typeof err.code !== 'string' || typeof err.message !== 'string') return `4xx without { error: { code, message } }`;
    }
  } else if (r.status >= 400) {
    return `empty body for status ${r.status}`;
  }
  return undefined;
}

export function describeCase(c: FuzzCase): string {
  const body = typeof c.body === 'string' ? c.body : `bytes:${Buffer.from(c.body).toString('base64')}`;
  return `${c.kind} ${c.contentType} ${body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body}`;
}
