/**
 * What a clinic lead asks for, per week (weeks start on Monday, UTC): conversations,
 * escalations by level and by condition, the share of patient messages the bot could
 * not answer, the top unanswered topics, 👍/👎 per intent, and the median time from an
 * escalation to its review. Computed from the transcript and the audit log.
 */
import type { EscalationLevel } from '../../domain/urgency';
import { redFlagsOf } from './conditions';
import { feedbackLinks, groupMessages, inboxMessages, nluOf } from './inbox';
import type { TranscriptRow } from '../store/teachingTypes';

export interface WeekStats {
  /** Monday, YYYY-MM-DD. */
  week: string;
  conversations: number;
  patientMessages: number;
  escalations: { urgent: number; emergency: number };
  /** Escalated messages per condition (or per red-flag rule when no condition is given). */
  byCondition: Record<string, number>;
  unanswered: number;
  /** unanswered / patientMessages (0 without messages). */
  unansweredShare: number;
}

export interface WeeklyReport {
  weeks: WeekStats[];
  topUnanswered: { text: string; count: number }[];
  feedback: { intent: string; up: number; down: number }[];
  /** Median minutes from an escalation to the conversation being marked reviewed; null when none were. */
  medianMinutesToReview: number | null;
  reviewedEscalations: number;
  unreviewedEscalations: number;
}

export function weekOf(iso: string): string {
  const d = new Date(iso);
  const day = (d.getUTCDay() + 6) % 7;
  const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day));
  return monday.toISOString().slice(0, 10);
}

function median(xs: number[]): number | null {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const upper = s[mid];
  const lower = s[mid - 1];
  if (upper === undefined) return null; // no values
  return s.length % 2 === 1 || lower === undefined ? upper : (lower + upper) / 2;
}

export function weeklyReport(rows: TranscriptRow[], reviews: { channel: string; id: string; at: string }[], options: { weeks: number; now: Date; answerThreshold: number }): WeeklyReport {
  const weeks = new Map<string, WeekStats & { convs: Set<string> }>();
  const first = weekOf(new Date(options.now.getTime() - (options.weeks - 1) * 7 * 86_400_000).toISOString());
  for (let i = 0; i < options.weeks; i++) {
    const week = new Date(Date.parse(`${first}T00:00:00Z`) + i * 7 * 86_400_000).toISOString().slice(0, 10);
    weeks.set(week, { week, conversations: 0, patientMessages: 0, escalations: { urgent: 0, emergency: 0 }, byCondition: {}, unanswered: 0, unansweredShare: 0, convs: new Set() });
  }
  const escalatedAt = new Map<string, string>();
  // One escalation per patient message (its replies may be several), with every red flag they name.
  const turns = new Map<string, { week: string; level: EscalationLevel; keys: Set<string> }>();
  for (const r of rows) {
    const w = weeks.get(weekOf(r.at));
    const conv = `${r.channel}:${r.conversationId}`;
    if (r.role === 'user' && r.type === 'message') {
      if (w) { w.patientMessages++; w.convs.add(conv); }
    }
    if (r.role === 'bot' && r.type === 'message' && (r.urgency === 'urgent' || r.urgency === 'emergency')) {
      if (!escalatedAt.has(conv)) escalatedAt.set(conv, r.at);
      const key = `${conv}#${r.replyToId ?? r.seq}`;
      const turn = turns.get(key) ?? { week: weekOf(r.at), level: r.urgency, keys: new Set<string>() };
      if (r.urgency === 'emergency') turn.level = 'emergency';
      const { redFlags, conditions } = redFlagsOf(r.channelData);
      for (const k of conditions.length ? conditions.map((c) => c.id) : redFlags.map((f) => f.rule)) turn.keys.add(k);
      turns.set(key, turn);
    }
  }
  for (const t of turns.values()) {
    const w = weeks.get(t.week);
    if (!w) continue;
    w.escalations[t.level]++;
    for (const k of t.keys.size ? t.keys : ['unspecified']) w.byCondition[k] = (w.byCondition[k] ?? 0) + 1;
  }
  // Unanswered: fallback or "did you mean" (not low confidence or 👎: those were answered).
  const unanswered = inboxMessages(rows, { answerThreshold: options.answerThreshold })
    .filter((m) => m.reasons.includes('fallback') || m.reasons.includes('clarified'));
  for (const m of unanswered) {
    const w = weeks.get(weekOf(m.at));
    if (w) w.unanswered++;
  }
  const feedback = new Map<string, { intent: string; up: number; down: number }>();
  for (const f of feedbackLinks(rows)) {
    const nlu = f.reply ? nluOf(f.reply.channelData) : null;
    const intent = f.reply?.intent ?? (nlu?.outcome === 'clarified' ? 'clarify' : 'none');
    const e = feedback.get(intent) ?? { intent, up: 0, down: 0 };
    e[f.rating]++;
    feedback.set(intent, e);
  }
  const reviewed = new Map(reviews.map((r) => [`${r.channel}:${r.id}`, r.at]));
  const minutes: number[] = [];
  let unreviewed = 0;
  for (const [conv, at] of escalatedAt) {
    const rev = reviewed.get(conv);
    if (rev && rev >= at) minutes.push((Date.parse(rev) - Date.parse(at)) / 60_000);
    else unreviewed++;
  }
  return {
    weeks: [...weeks.values()].map(({ convs, ...w }) => ({ ...w, conversations: convs.size, unansweredShare: w.patientMessages ? w.unanswered / w.patientMessages : 0 })),
    topUnanswered: groupMessages(unanswered).sort((a, b) => b.count - a.count).slice(0, 10).map((g) => ({ text: g.text, count: g.count })),
    feedback: [...feedback.values()].sort((a, b) => b.down + b.up - (a.down + a.up) || a.intent.localeCompare(b.intent)),
    medianMinutesToReview: median(minutes),
    reviewedEscalations: minutes.length,
    unreviewedEscalations: unreviewed,
  };
}
