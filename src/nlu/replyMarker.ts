/**
 * What intent recognition decided this turn, for the replies' channelData:
 * `nlu: { outcome, confidence, threshold }`, so the staff console can find the
 * questions the bot could not answer well (the "needs teaching" inbox). The dialog
 * records it; the reply-metadata middleware stamps it on every reply of the turn
 * (there, before replies are held for the end of the turn and logged).
 * The first decision of a turn counts.
 */
import type { TurnContext } from 'botbuilder';

const KEY = Symbol('calfbot.nluMarker');

export type NluOutcome = 'answered' | 'clarified' | 'fallback';

export interface NluMarker {
  outcome: NluOutcome;
  /** The top intent's score (0…1). */
  confidence: number;
  /** The answer threshold in force. */
  threshold: number;
}

export function markReplies(context: TurnContext, marker: NluMarker): void {
  if (context.turnState.get(KEY)) return;
  context.turnState.set(KEY, { ...marker, confidence: Math.round(marker.confidence * 1000) / 1000 });
}

/** The turn's marker, if the dialog recorded one. */
export function nluMarkerOf(context: TurnContext): NluMarker | undefined {
  return context.turnState.get(KEY) as NluMarker | undefined;
}
