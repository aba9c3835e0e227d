/**
 * The widget's two HTML pages, filled from the settings (branding is configuration:
 * CLINIC_NAME, CLINIC_COLOR, CLINIC_LOGO_URL, CLINIC_HOURS, CLINIC_PHONE). Templates in
 * public/site use `{{name}}`; every value is HTML-escaped here.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Config } from '../config';
import { SYSTEM_FILE, systemFileSchema } from '../content/schema';
import { fill } from '../dialogs/runtime';

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Replaces each `{{name}}`; `raw` values are inserted as they are (already HTML), the others escaped. */
export function fillTemplate(template: string, values: Record<string, string>, raw: Record<string, string> = {}): string {
  return template.replace(/\{\{(\w+)\}\}/g, (m, key: string) => {
    const rawValue = Object.hasOwn(raw, key) ? raw[key] : undefined;
    if (rawValue !== undefined) return rawValue;
    const value = Object.hasOwn(values, key) ? values[key] : undefined;
    if (value !== undefined) return escapeHtml(value);
    throw new Error(`page template: no value for ${m}`);
  });
}

/** The welcome paragraphs the bot sends first (dialogs/_system.yaml), filled. */
export function welcomeParagraphs(config: Config, dir = 'dialogs'): string[] {
  const file = path.join(dir, SYSTEM_FILE);
  const parsed = systemFileSchema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data.welcome.map((p) => fill(p, config));
}

function brand(config: Config): Record<string, string> {
  return {
    clinicName: config.CLINIC_NAME,
    color: config.CLINIC_COLOR,
    hours: config.CLINIC_HOURS,
    phone: config.CLINIC_PHONE,
    phoneDial: config.CLINIC_PHONE.replace(/[^0-9+]/g, ''),
    emergencyNumber: config.EMERGENCY_NUMBER,
  };
}

export function renderDemoPage(template: string, config: Config): string {
  const logo = config.CLINIC_LOGO_URL
    ? `<img class="logo-img" src="${escapeHtml(config.CLINIC_LOGO_URL)}" alt="">`
    : '<span class="logo" aria-hidden="true">⟡</span>';
  return fillTemplate(template, brand(config), { logo });
}

export interface ChatPageOptions {
  /** URL of the Web Chat bundle (content-hashed). */
  webchatSrc: string;
  /** What chat.js needs to connect (the same as GET /api/webchat/config). */
  chatConfig: Record<string, unknown>;
  welcome: string[];
  /** The page's style sheet, inlined: the welcome paints without waiting for another request. */
  css: string;
}

export function renderChatPage(template: string, config: Config, options: ChatPageOptions): string {
  const welcome = options.welcome.map((p) => `<p>${escapeHtml(p)}</p>`).join('');
  const css = options.css.replace(/<\/style/gi, '');
  return fillTemplate(template, { ...brand(config), webchatSrc: options.webchatSrc, config: JSON.stringify(options.chatConfig) }, { welcome, css });
}
