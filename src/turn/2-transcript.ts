/**
 * Transcript logging that is durable and retry-aware. Use instead of botbuilder's
 * TranscriptLoggerMiddleware (which neither awaits its writes nor knows about retried
 * turns):
 *
 *  - the incoming activity and every reply actually sent are written at the end of the
 *    turn as ONE batch (committed with the batches of other turns arriving at the same
 *    time, src/storage/groupCommit.ts) and the turn waits for the commit, so the
 *    transcript is stored before the HTTP response goes out — on PostgreSQL as well as SQLite;
 *  - replies of an attempt that `runTurnWithRetry` threw away are not logged;
 *  - text is redacted by the store before anything is written.
 *
 * Register it early (before middleware that may answer a turn itself, e.g. triage),
 * so those replies are logged too.
 */
import { ActivityEventNames, ActivityTypes, type Activity, type Middleware, type TurnContext } from 'botbuilder';
import { silentLogger, type Logger } from '../logger';
import { currentAttempt, isAttemptDiscarded } from './retry';
import { withTranscriptDefaults } from '../storage/transcriptCommon';
import type { BatchTranscriptStore } from '../storage/types';

interface Entry {
  activity: Partial<Activity>;
  attempt: number;
  /** The channel's response to a reply, read again at the end of the turn: a reply held back by
   * `runTurnWithRetry` gets its id only when it is released (src/turn/retry.ts). */
  response?: { id?: string };
}

export class TranscriptMiddleware implements Middleware {
  constructor(
    private readonly store: BatchTranscriptStore,
    private readonly logger: Logger = silentLogger,
  ) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const entries: Entry[] = [];
    const incoming = context.activity;
    if (incoming && !(incoming.type === ActivityTypes.Event && incoming.name === ActivityEventNames.ContinueConversation)) {
      entries.push({ activity: withTranscriptDefaults(incoming, 'user'), attempt: 0 });
    }
    context.onSendActivities(async (ctx, activities, nextSend) => {
      const attempt = currentAttempt(ctx);
      const responses = await nextSend();
      activities.forEach((activity, i) => {
        const response = responses?.[i];
        entries.push({ activity: withTranscriptDefaults(activity, 'bot', response?.id), attempt, response });
      });
      return responses;
    });
    try {
      await next();
    } finally {
      const batch = entries.filter((e) => !isAttemptDiscarded(context, e.attempt)).map((e) => {
        // the id the channel gave a reply released after its attempt saved (not the generated one)
        if (e.response?.id) e.activity.id = e.response.id;
        return e.activity;
      });
      try {
        await this.store.logActivities(batch);
      } catch (err) {
        // Never fail a turn the user has already been answered in; make it visible to operators.
        this.logger.error({ err: err instanceof Error ? err.message : String(err), conversationId: incoming?.conversation?.id }, 'transcript: write failed');
      }
    }
  }
}
