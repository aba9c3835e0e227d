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
import { intentLabel } from '../domain/taxonomy';
import { citation, type SourceRef, type SourceTitles } from '../domain/sources';
import { redFlagsOf, type RedFlagView } from './teaching/conditions';

export const EXPORT_FORMATS = ['transcript', 'json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * One activity as the console's transcript view shows it: the stored activity's fields
 * (intent and urgency on bot replies only) without its JSON, plus what is read from it.
 */
export interface ActivityView extends Omit<StoredActivity, 'activity' | 'role'> {
  /** `system` for anything but a message (the widget opening, a feedback event…). */
  role: 'user' | 'bot' | 'system';
  /** The system line drawn for a non-message activity, e.g. "Chat opened" or "Patient rated the answer 👎". */
  system: string | null;
  /** The intent's label for staff. */
  intentLabel: string | null;
  sources: (SourceRef & { citation: string })[];
  /** Red flags that made this reply escalate (`channelData.redFlags`), as carried. */
  redFlags: RedFlagView[];
  /** Conditions the escalation names (`channelData.conditions`, or the red flags' prefixes). */
  conditions: { id: string; label: string }[];
  /** What recognition decided for this reply (`channelData.nlu.outcome`), if it says. */
  outcome: 'answered' | 'clarified' | 'fallback' | null;
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

/** "Title — Section" from the clinic's source titles; "document › section" if a title is missing. */
function cite(ref: SourceRef, titles: SourceTitles | undefined): string {
  try {
    if (titles) return citation(ref, titles);
  } catch {
    // fall through: shown as stored
  }
  return ref.section ? `${ref.document} › ${ref.section}` : ref.document;
}

function outcomeOf(channelData: unknown): ActivityView['outcome'] {
  const o = asRecord(asRecord(channelData)?.nlu)?.outcome;
  return o === 'answered' || o === 'clarified' || o === 'fallback' ? o : null;
}

/** The line a non-message activity is drawn as. */
export function systemLine(a: StoredActivity): string {
  const act = a.activity;
  if (a.type === 'conversationUpdate') {
    const added = act.membersAdded?.length ?? 0;
    return added > 0 ? 'Chat opened' : 'Conversation updated';
  }
  if (a.type === 'event') {
    const value = asRecord(act.value);
    if (act.name === 'feedback' && (value?.rating === 'up' || value?.rating === 'down')) {
      return `Patient rated the answer ${value.rating === 'up' ? '👍 helpful' : '👎 not helpful'}`;
    }
    return `Event: ${str(act.name) ?? 'unnamed'}`;
  }
  return a.type;
}

export function activityView(a: StoredActivity, titles?: SourceTitles): ActivityView {
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
  const isSystem = a.type !== 'message';
  const isBot = a.role === 'bot' && !isSystem;
  const flags = isBot ? redFlagsOf(asRecord(a.activity.channelData)) : { redFlags: [], conditions: [] };
  return {
    seq: a.seq,
    at: a.at,
    role: isSystem ? 'system' : a.role,
    system: isSystem ? systemLine(a) : null,
    type: a.type,
    text: a.text,
    intent: isBot ? a.intent : null,
    intentLabel: isBot && a.intent ? intentLabel(a.intent) : null,
    urgency: isBot ? a.urgency : null,
    sources: isBot ? sourcesOf(a.activity).map((s) => ({ ...s, citation: cite(s, titles) })) : [],
    redFlags: flags.redFlags,
    conditions: flags.conditions,
    outcome: isBot ? outcomeOf(a.activity.channelData) : null,
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

export const CSV_COLUMNS = ['seq', 'timestamp', 'role', 'type', 'text', 'intent', 'urgency', 'red_flags', 'sources'] as const;

/** UTF-8 with a byte-order mark (so spreadsheet programs read accents right), CRLF line ends. */
export function toCsv(activities: StoredActivity[], titles?: SourceTitles): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const a of activities) {
    const v = activityView(a, titles);
    rows.push([
      v.seq,
      v.at,
      v.role,
      v.type,
      // A system row names the event (conversationUpdate, feedback: down…), never as patient text.
      v.role === 'system' ? (a.type === 'event' ? [a.activity.name ?? 'event', asRecord(a.activity.value)?.rating].filter(Boolean).join(': ') : a.type)
        : v.text ?? v.attachments.map((x) => [x.title, x.text].filter(Boolean).join(': ')).join(' | '),
      v.intent ?? '',
      v.urgency ?? '',
      v.redFlags.map((f) => f.id).join('; '),
      v.sources.map((s) => s.citation).join('; '),
    ].map(csvCell).join(','));
  }
  return '\ufeff' + rows.join('\r\n') + '\r\n';
}

/** A file name safe in a Content-Disposition header and on any file system. */
export function safeFileName(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 100);
  return cleaned || 'conversation';
}
