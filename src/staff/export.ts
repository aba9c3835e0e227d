/**
 * Conversation views and exports for staff.
 *
 * - `transcript`: the Bot Framework Emulator's `.transcript` format, a JSON array of
 *   the stored (redacted) activities, so staff can open it in the Emulator and replay it.
 * - `json`: the summary plus the activities as the console shows them.
 * - `csv`: one row per activity, RFC 4180 quoting, cells that a spreadsheet would run
 *   as a formula (= + - @, full-width ＝ ＋ － ＠, or leading whitespace) prefixed with `'`.
 */
import type { Activity } from 'botbuilder';
import type { ConversationSummary, StoredActivity } from '../storage/types';
import type { SourceRef } from '../domain/sources';

export const EXPORT_FORMATS = ['transcript', 'json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * One activity as the console's transcript view shows it: the stored activity's fields
 * (intent and urgency on bot replies only) without its JSON, plus what is read from it.
 */
export interface ActivityView extends Omit<StoredActivity, 'activity'> {
  sources: SourceRef[];
  /** Cards, reduced to what a reviewer needs to read. */
  attachments: { contentType: string; title: string | null; text: string | null }[];
  suggestedActions: string[];
}

/**
 * The console's / API's key for a conversation: `<channel>:<conversation id>`, each part
 * percent-encoded (encodeURIComponent), so a ':' in a channel id cannot move the split
 * ("a:b" + "c" → "a%3Ab:c"). The key is opaque to the console, which URL-encodes it again.
 */
export function conversationKey(ref: { channel: string; id: string }): string {
  return `${encodeURIComponent(ref.channel)}:${encodeURIComponent(ref.id)}`;
}

/**
 * Splits a key at the first colon and decodes both parts. Keys written before the parts
 * were encoded (`msteams:19:abc@thread`) still parse: their channel never had a colon.
 */
export function parseConversationKey(key: string): { channel: string; id: string } | null {
  const i = key.indexOf(':');
  if (i <= 0 || i === key.length - 1) return null;
  try {
    const channel = decodeURIComponent(key.slice(0, i));
    const id = decodeURIComponent(key.slice(i + 1));
    return channel && id ? { channel, id } : null;
  } catch {
    return null; // malformed percent-encoding
  }
}

export function summaryView(s: ConversationSummary): ConversationSummary & { key: string } {
  return { key: conversationKey(s), ...s };
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function sourcesOf(activity: Partial<Activity>): SourceRef[] {
  const list = asRecord(activity.channelData)?.sources;
  if (!Array.isArray(list)) return [];
  return list
    .map(asRecord)
    .filter((s): s is Record<string, unknown> => s !== null && typeof s.document === 'string')
    .map((s) => ({ document: String(s.document), section: typeof s.section === 'string' ? s.section : '' }));
}

export function activityView(a: StoredActivity): ActivityView {
  const attachments = (a.activity.attachments ?? []).map((att) => {
    const content = asRecord(att.content);
    const body = Array.isArray(content?.body) ? content.body.map(asRecord) : [];
    const firstText = body.find((b) => b && typeof b.text === 'string');
    return {
      contentType: att.contentType,
      title: str(content?.title) ?? str(att.name),
      text: str(content?.text) ?? str(firstText?.text) ?? null,
    };
  });
  return {
    seq: a.seq,
    at: a.at,
    role: a.role,
    type: a.type,
    text: a.text,
    intent: a.role === 'bot' ? a.intent : null,
    urgency: a.role === 'bot' ? a.urgency : null,
    sources: a.role === 'bot' ? sourcesOf(a.activity) : [],
    attachments,
    suggestedActions: (a.activity.suggestedActions?.actions ?? []).map((x) => x.title ?? String(x.value ?? '')).filter(Boolean),
  };
}

/**
 * Emulator transcript: the stored activities in order, each completed with what the
 * Emulator needs to draw it (from/recipient roles, timestamp, conversation, channel).
 */
export function toTranscript(summary: ConversationSummary, activities: StoredActivity[]): Partial<Activity>[] {
  return activities.map((a) => {
    const act: Partial<Activity> = structuredClone(a.activity);
    act.type ??= a.type;
    act.timestamp ??= a.at as unknown as Date; // JSON: an ISO string, as the Emulator writes it
    act.channelId ??= summary.channel;
    act.conversation ??= { id: summary.id, isGroup: false, conversationType: '', name: '' };
    const other = a.role === 'user' ? 'bot' : 'user';
    act.from = { id: a.role, ...act.from, role: act.from?.role ?? a.role } as Activity['from'];
    if (act.recipient) act.recipient = { ...act.recipient, role: act.recipient.role ?? other };
    return act;
  });
}

/**
 * Cell starts a spreadsheet may treat as a formula (or strip before looking for one):
 * = + - @, their full-width forms ＝ ＋ － ＠ (converted by some spreadsheet programs),
 * and leading whitespace (space, tab, CR, LF, no-break and ideographic spaces).
 */
const FORMULA_START = /^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\s]/;

/** A CSV cell: neutralise spreadsheet formulas, then quote when needed. */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = ['seq', 'timestamp', 'role', 'type', 'text', 'intent', 'urgency', 'sources'] as const;

/** UTF-8 with a byte-order mark (so spreadsheet programs read accents right), CRLF line ends. */
export function toCsv(activities: StoredActivity[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const a of activities) {
    const v = activityView(a);
    rows.push([
      v.seq,
      v.at,
      v.role,
      v.type,
      v.text ?? v.attachments.map((x) => [x.title, x.text].filter(Boolean).join(': ')).join(' | '),
      v.intent ?? '',
      v.urgency ?? '',
      v.sources.map((s) => (s.section ? `${s.document}#${s.section}` : s.document)).join('; '),
    ].map(csvCell).join(','));
  }
  return '\ufeff' + rows.join('\r\n') + '\r\n';
}

/** A file name safe in a Content-Disposition header and on any file system. */
export function safeFileName(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 100);
  return cleaned || 'conversation';
}
