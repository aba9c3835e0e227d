/**
 * Microsoft Teams: the app package (manifest fields, icons, bot id from configuration)
 * and the outbound path: with MicrosoftAppId/MicrosoftAppPassword set, a reply to a
 * Teams activity is POSTed to the activity's serviceUrl with a bearer token (token
 * endpoint and connector mocked with nock).
 *
 * The inbound JWT check is the security tests' subject; here the turn enters through
 * CloudAdapter.processActivityDirect with an already-authenticated request (the claims
 * a valid Bot Framework token would give), which is exactly what the adapter does after
 * validating the JWT.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import AdmZip from 'adm-zip';
import { PNG } from 'pngjs';
import {
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity, type AuthenticateRequestResult } from 'botframework-connector';
import { APP_PACKAGE_DIR, PackageError, buildTeamsPackage, fillManifest } from '../scripts/teams-package';
import { startTestService } from './helpers/service';
import { useNock } from './helpers/nock';
import type { Service } from '../src/service';
import type { ConversationDialog } from '../src/turn/6-dialogs';
import type { IntentRecognizer } from '../src/nlu/types';
import { createAdapter } from '../src/adapter';
import { testConfig } from '../src/config';
import { silentLogger } from '../src/logger';

const APP_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const APP_PASSWORD = 'test-app-password';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function pngSize(file: Buffer): { width: number; height: number; colorType: number } {
  // PNG signature, then the IHDR chunk: width and height (big-endian) at bytes 16 and 20, colour type at 25.
  expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(file.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: file.readUInt32BE(16), height: file.readUInt32BE(20), colorType: file[25]! };
}

useNock();

describe('Teams app package', () => {
  const template = readFileSync(path.join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8');

  it('the manifest template has the required fields of schema 1.17 and a placeholder bot id', () => {
    const m = JSON.parse(template) as Record<string, unknown> & Record<string, Record<string, unknown>>;
    expect(m.$schema).toBe('https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json');
    expect(m.manifestVersion).toBe('1.17');
    expect(m.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(m.id).toBe('${{MICROSOFT_APP_ID}}');
    for (const key of ['name', 'websiteUrl', 'privacyUrl', 'termsOfUseUrl']) expect(m.developer?.[key], `developer.${key}`).toBeTruthy();
    expect(String(m.name?.short).length).toBeLessThanOrEqual(30);
    expect(String(m.description?.short).length).toBeLessThanOrEqual(80);
    expect(String(m.description?.full).length).toBeLessThanOrEqual(4000);
    expect(m.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
    expect(m.accentColor).toMatch(/^#[0-9A-Fa-f]{6}$/);
    const bots = m.bots as unknown as { botId: string; scopes: string[] }[];
    expect(bots).toHaveLength(1);
    expect(bots[0]!.botId).toBe('${{MICROSOFT_APP_ID}}');
    expect(bots[0]!.scopes).toEqual(expect.arrayContaining(['personal', 'team']));
  });

  it('icons: color 192×192 opaque, outline 32×32 white on transparent', () => {
    const color = readFileSync(path.join(APP_PACKAGE_DIR, 'color.png'));
    const outline = readFileSync(path.join(APP_PACKAGE_DIR, 'outline.png'));
    expect(pngSize(color)).toMatchObject({ width: 192, height: 192 });
    expect(pngSize(outline)).toMatchObject({ width: 32, height: 32, colorType: 6 }); // RGBA
    const o = PNG.sync.read(outline);
    let transparent = 0;
    let opaque = 0;
    let notWhite = 0;
    for (let i = 0; i < o.data.length; i += 4) {
      const [r, g, b, a] = [o.data[i]!, o.data[i + 1]!, o.data[i + 2]!, o.data[i + 3]!];
      if (a > 0 && (r !== 255 || g !== 255 || b !== 255)) notWhite++;
      if (a === 0) transparent++;
      if (a === 255) opaque++;
    }
    expect(notWhite, 'outline pixels that are not white').toBe(0);
    expect(transparent).toBeGreaterThan(100); // a transparent background
    expect(opaque).toBeGreaterThan(100); // and a visible glyph
    const c = PNG.sync.read(color);
    let seeThrough = 0;
    for (let i = 3; i < c.data.length; i += 4) if (c.data[i] !== 255) seeThrough++;
    expect(seeThrough, 'transparent pixels in the colour icon').toBe(0);
  });

  it('packages the manifest with the bot id from configuration (a GUID) and the icons', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'calfbot-teams-')), 'calfbot.zip');
    const result = buildTeamsPackage({ MicrosoftAppId: APP_ID.toUpperCase(), PUBLIC_BASE_URL: 'https://bot.clinic.example', CLINIC_NAME: 'Hill "Physio"' }, out);
    const zip = new AdmZip(out);
    expect(zip.getEntries().map((e) => e.entryName).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(zip.readAsText('manifest.json')) as { id: string; bots: { botId: string }[]; developer: { name: string; websiteUrl: string } };
    expect(manifest.id).toMatch(GUID);
    expect(manifest.bots[0]!.botId).toBe(APP_ID);
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.developer).toMatchObject({ name: 'Hill "Physio"', websiteUrl: 'https://bot.clinic.example/' });
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(pngSize(zip.readFile('color.png')!)).toMatchObject({ width: 192, height: 192 });
    expect(pngSize(zip.readFile('outline.png')!)).toMatchObject({ width: 32, height: 32 });
    expect(result.warnings).toEqual([]);
  });

  it('refuses a missing or non-GUID MicrosoftAppId with a clear error', () => {
    expect(() => fillManifest(template, {})).toThrow(PackageError);
    expect(() => fillManifest(template, {})).toThrow(/MicrosoftAppId is not set/);
    expect(() => fillManifest(template, { MicrosoftAppId: 'my-bot' })).toThrow(/MicrosoftAppId="my-bot" is not a GUID/);
    expect(() => fillManifest(template, { MicrosoftAppId: APP_ID, PUBLIC_BASE_URL: 'http://insecure.example' })).toThrow(/https/);
  });
});

describe('Teams replies go to the serviceUrl with a bearer token', () => {
  const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
  const env = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: APP_PASSWORD, MicrosoftAppType: 'MultiTenant' };
  let service: Service;

  // Echoes what the dialog layer receives, so the @mention removal is visible.
  const echoDialog: ConversationDialog = {
    async run(context: TurnContext) {
      await context.sendActivity(`You said: ${context.activity.text}`);
    },
    async sendWelcome(context: TurnContext) {
      await context.sendActivity('Welcome to the clinic assistant.');
    },
  };
  const recognizer: IntentRecognizer = {
    async recognize() {
      return { text: '', intents: { None: { score: 1 } }, entities: {} };
    },
  };

  beforeAll(async () => {
    service = await startTestService(env, { overrides: { dialog: echoDialog, recognizer } });
  });
  afterAll(async () => {
    await service?.stop();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  /** Run one activity through the service's pipeline on a CloudAdapter built as in production, as an authenticated request. */
  async function deliver(activity: Partial<Activity>): Promise<void> {
    const config = testConfig({ PORT: '3978', ...env });
    const adapter = createAdapter(config, silentLogger);
    service.app.attach(adapter);
    const auth = new ConfigurationBotFrameworkAuthentication({ ...env, MicrosoftAppTenantId: '' } as ConfigurationBotFrameworkAuthenticationOptions);
    // The claims a valid token from the Bot Connector carries: audience = our app id.
    const claimsIdentity = new ClaimsIdentity([
      { type: AuthenticationConstants.AudienceClaim, value: APP_ID },
      { type: AuthenticationConstants.AppIdClaim, value: AuthenticationConstants.ToBotFromChannelTokenIssuer },
      { type: AuthenticationConstants.ServiceUrlClaim, value: SERVICE_URL },
    ], true);
    const authResult: AuthenticateRequestResult = {
      claimsIdentity,
      audience: AuthenticationConstants.ToChannelFromBotOAuthScope,
      callerId: undefined as unknown as string,
      connectorFactory: auth.createConnectorFactory(claimsIdentity),
    };
    await adapter.processActivityDirect(authResult, activity as Activity, (context) => service.app.bot.run(context));
  }

  function mockLogin(): { scope: nock.Scope; form: () => string } {
    let body = '';
    const scope = nock('https://login.microsoftonline.com')
      .post('/botframework.com/oauth2/v2.0/token', (b: unknown) => {
        body = typeof b === 'string' ? b : new URLSearchParams(b as Record<string, string>).toString();
        return true;
      })
      .query(true) // MSAL adds ?client-request-id=…
      .reply(200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: 'mock-access-token' });
    return { scope, form: () => body };
  }

  interface Posted {
    path: string;
    auth: string;
    body: { type: string; text?: string; replyToId?: string; channelData?: { urgency?: string; intent?: string | null }; attachments?: { contentType: string; content?: unknown }[] };
  }

  function mockConnector(): { scope: nock.Scope; posted: Posted[] } {
    const posted: Posted[] = [];
    const scope = nock('https://smba.trafficmanager.net')
      .persist()
      .post(/^\/emea\/v3\/conversations\/.+\/activities(\/.+)?$/)
      .reply(function (uri, body) {
        posted.push({ path: decodeURIComponent(uri), auth: String(this.req.headers.authorization), body: body as Posted['body'] });
        return [200, { id: `reply-${posted.length}` }];
      });
    return { scope, posted };
  }

  function teamsMessage(text: string, conversation: Record<string, unknown>, extra: Partial<Activity> = {}): Partial<Activity> {
    return {
      type: 'message',
      id: '1700000000001',
      channelId: 'msteams',
      serviceUrl: SERVICE_URL,
      timestamp: new Date(),
      from: { id: '29:1user-aad-id', name: 'Pat Patient', aadObjectId: '00000000-0000-0000-0000-0000000000aa' },
      recipient: { id: `28:${APP_ID}`, name: 'calfbot' },
      conversation: { id: 'a:1personal-conversation', name: '', isGroup: false, ...conversation } as Activity['conversation'],
      channelData: { tenant: { id: 'tenant-1' } },
      text,
      ...extra,
    };
  }

  it('personal chat: an urgent message gets the urgent reply, posted to the connector with the bearer token', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    const login = mockLogin();
    const connector = mockConnector();

    await deliver(teamsMessage('my calf is swollen and red after a long flight', { conversationType: 'personal', tenantId: 'tenant-1' }));

    expect(login.scope.isDone()).toBe(true);
    expect(login.form()).toContain(`client_id=${APP_ID}`);
    expect(login.form()).toContain('grant_type=client_credentials');
    expect(connector.posted.length).toBeGreaterThan(0);
    const reply = connector.posted[0]!;
    expect(reply.path).toBe('/emea/v3/conversations/a:1personal-conversation/activities/1700000000001');
    expect(reply.auth).toBe('Bearer mock-access-token');
    expect(reply.body.type).toBe('message');
    expect(reply.body.replyToId).toBe('1700000000001');
    expect(reply.body.channelData?.urgency).toBe('urgent');
    // Teams would show the text and the card one after the other: the card alone, text as the summary.
    expect(reply.body.text).toBeUndefined();
    expect((reply.body as { summary?: string }).summary).toBeTruthy();
    expect(reply.body.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    // A card Teams renders: Adaptive Card 1.4 or 1.5, only Action.Submit / Action.OpenUrl.
    const card = reply.body.attachments![0]!.content as { type: string; version: string; actions?: { type: string }[] };
    expect(card.type).toBe('AdaptiveCard');
    expect(['1.4', '1.5']).toContain(card.version);
    for (const action of card.actions ?? []) expect(['Action.Submit', 'Action.OpenUrl']).toContain(action.type);
    expect(connector.posted.every((p) => p.body.channelData?.urgency === 'urgent')).toBe(true);
  });

  it('team channel: the @mention is removed before the dialogs, and the reply goes to the channel thread', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    mockLogin();
    const connector = mockConnector();
    const channelConversation = '19:abc123@thread.tacv2;messageid=1700000000000';

    await deliver(teamsMessage('<at>calfbot</at> how long does a calf strain take to heal?', { id: channelConversation, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' }, {
      entities: [{ type: 'mention', mentioned: { id: `28:${APP_ID}`, name: 'calfbot' }, text: '<at>calfbot</at>' }],
      channelData: { tenant: { id: 'tenant-1' }, team: { id: '19:team@thread.tacv2' }, channel: { id: '19:abc123@thread.tacv2' } },
    }));

    expect(connector.posted).toHaveLength(1);
    const reply = connector.posted[0]!;
    expect(reply.path).toBe(`/emea/v3/conversations/${channelConversation}/activities/1700000000001`);
    expect(reply.auth).toMatch(/^Bearer /);
    expect(reply.body.text).toBe('You said: how long does a calf strain take to heal?');
    expect(reply.body.channelData).toMatchObject({ urgency: 'none' });
  });

  it('personal chat: the bot being installed sends the welcome once', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    mockLogin();
    const connector = mockConnector();
    const update = (id: string): Partial<Activity> => ({
      ...teamsMessage('', { id: 'a:1welcome-conversation', conversationType: 'personal', tenantId: 'tenant-1' }),
      type: 'conversationUpdate',
      id,
      text: undefined,
      membersAdded: [{ id: `28:${APP_ID}`, name: 'calfbot' }, { id: '29:1user-aad-id', name: 'Pat Patient' }],
    });
    await deliver(update('f:1'));
    await deliver(update('f:2'));
    const welcomes = connector.posted.filter((p) => p.body.text === 'Welcome to the clinic assistant.');
    expect(welcomes).toHaveLength(1);
    expect(welcomes[0]!.auth).toBe('Bearer mock-access-token');
  });
});
