/**
 * Builds the Teams app package: `npm run teams:package`
 *
 * Fills the placeholders of appPackage/manifest.json from the environment (and `.env`):
 *   ${{MICROSOFT_APP_ID}}  ← MicrosoftAppId (required, a GUID: the Azure Bot's app id)
 *   ${{CLINIC_NAME}}       ← CLINIC_NAME (default as in the configuration)
 *   ${{PUBLIC_BASE_URL}}   ← PUBLIC_BASE_URL (https; the bot's public address)
 * and writes appPackage/build/calfbot.zip (manifest.json, color.png, outline.png) to
 * upload in Teams (Apps → Manage your apps → Upload an app) or the Teams admin centre.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';

export const APP_PACKAGE_DIR = path.resolve(__dirname, '..', 'appPackage');
export const DEFAULT_OUTPUT = path.join(APP_PACKAGE_DIR, 'build', 'calfbot.zip');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_CLINIC_NAME = 'Riverside Physiotherapy & Rehab';

export class PackageError extends Error {}

export interface PackageResult {
  file: string;
  manifest: Record<string, unknown>;
  warnings: string[];
}

/** The manifest with its placeholders filled, as JSON text. Throws PackageError with one clear line. */
export function fillManifest(template: string, env: Record<string, string | undefined>): { json: string; warnings: string[] } {
  const warnings: string[] = [];
  const appId = (env.MicrosoftAppId ?? '').trim();
  if (!appId) throw new PackageError('MicrosoftAppId is not set: set it to the Azure Bot\'s Microsoft App ID (a GUID such as 00000000-0000-0000-0000-000000000000).');
  if (!GUID.test(appId)) throw new PackageError(`MicrosoftAppId=${JSON.stringify(appId)} is not a GUID: Teams needs the Azure Bot's Microsoft App ID, e.g. 00000000-0000-0000-0000-000000000000.`);

  let base = (env.PUBLIC_BASE_URL ?? '').trim().replace(/\/+$/, '');
  if (!base) {
    base = 'https://example.org';
    warnings.push('PUBLIC_BASE_URL is not set: the developer URLs in the manifest use https://example.org.');
  } else if (!/^https:\/\/[^\s/]+/.test(base)) {
    throw new PackageError(`PUBLIC_BASE_URL=${JSON.stringify(base)} must be an https:// address for the Teams manifest.`);
  }
  const clinic = (env.CLINIC_NAME ?? '').trim() || DEFAULT_CLINIC_NAME;
  if (clinic.length > 32) warnings.push('CLINIC_NAME is long: developer.name and name.full may be cut in Teams.');

  const values: Record<string, string> = { MICROSOFT_APP_ID: appId.toLowerCase(), CLINIC_NAME: clinic, PUBLIC_BASE_URL: base };
  // Values go in as JSON string contents, so quotes or backslashes cannot break the JSON.
  const json = template.replace(/\$\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new PackageError(`appPackage/manifest.json has an unknown placeholder ${whole}.`);
    return JSON.stringify(value).slice(1, -1);
  });
  JSON.parse(json); // still valid JSON
  return { json, warnings };
}

export function buildTeamsPackage(env: Record<string, string | undefined>, output = DEFAULT_OUTPUT, dir = APP_PACKAGE_DIR): PackageResult {
  const template = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
  const { json, warnings } = fillManifest(template, env);
  const manifest = JSON.parse(json) as Record<string, unknown> & { icons: { color: string; outline: string } };
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
  for (const icon of [manifest.icons.color, manifest.icons.outline]) {
    const file = path.join(dir, icon);
    if (!existsSync(file)) throw new PackageError(`${file} is missing: run npx tsx scripts/make-icons.ts`);
    zip.addFile(icon, readFileSync(file));
  }
  mkdirSync(path.dirname(output), { recursive: true });
  zip.writeZip(output);
  return { file: output, manifest, warnings };
}

if (require.main === module) {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional .env, as the service reads it
    require('dotenv').config({ quiet: true });
  } catch {
    // no dotenv: the environment alone
  }
  try {
    const result = buildTeamsPackage(process.env);
    for (const w of result.warnings) console.warn(`warning: ${w}`);
    console.log(`Teams app package written to ${path.relative(process.cwd(), result.file)} (bot id ${String((result.manifest.bots as { botId: string }[])[0]?.botId)}).`);
  } catch (err) {
    if (err instanceof PackageError) {
      console.error(`teams:package: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
