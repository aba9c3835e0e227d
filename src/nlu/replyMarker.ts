/**
 * Marks the replies of a turn with what intent recognition decided, as
 * `channelData.nlu: { outcome, confidence, threshold }`, so the staff console can find
 * the questions the bot could not answer well (the "needs teaching" inbox).
 * A reply already marked keeps its marker (the first decision of the turn counts).
 */
import type { TurnContext } from 'botbuilder';

export type NluOutcome = 'answered' | 'clarified' | 'fallback';

export interface NluMarker {
  outcome: NluOutcome;
  /** The top intent's score (0…1). */
  confidence: number;
  /** The answer threshold in force. */
  threshold: number;
}

export function markReplies(context: TurnContext, marker: NluMarker): void {
  context.onSendActivities(async (_ctx, activities, next) => {
    for (const a of activities) {
      if (a.type !== 'message') continue;
      const cd = (a.channelData ?? {}) as Record<string, unknown>;
      if (cd.nlu === undefined) a.channelData = { ...cd, nlu: { ...marker, confidence: Math.round(marker.confidence * 1000) / 1000 } };
    }
    return next();
  });
}
