/**
 * The contract every bot reply carries in `channelData`. Channels, transcripts, the
 * staff console and the tests rely on it.
 */
import type { SourceRef } from './sources';
import type { Urgency } from './urgency';

export interface ReplyChannelData {
  intent: string | null;
  urgency: Urgency;
  sources?: SourceRef[];
  /** On an escalation: the triage rules that fired, as `condition/rule`. */
  redFlags?: string[];
  /** On an escalation: the conditions those rules point to (dvt, pulmonary_embolism…). */
  conditions?: string[];
}
