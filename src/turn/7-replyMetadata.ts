/**
 * Stamps `channelData: { intent, urgency }` on every message the bot sends.
 * A sender may set `channelData.intent` or `channelData.sources` itself; the turn's
 * urgency is never lowered by a sender.
 */
import type { Middleware, TurnContext } from 'botbuilder';
import { maxUrgency, type Urgency } from '../domain/urgency';
import type { ReplyChannelData } from '../domain/channelData';
import { turnMeta } from './turnMeta';
import { nluMarkerOf } from '../nlu/replyMarker';


export class ReplyMetadataMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    context.onSendActivities(async (ctx, activities, nextSend) => {
      const meta = turnMeta(ctx);
      for (const activity of activities) {
        if (activity.type !== 'message') continue;
        const own = (activity.channelData ?? {}) as Partial<ReplyChannelData> & Record<string, unknown>;
        const urgency: Urgency = maxUrgency(own.urgency ?? 'none', meta.urgency);
        const nlu = own.nlu ?? nluMarkerOf(ctx);
        activity.channelData = { ...own, intent: own.intent !== undefined ? own.intent : meta.intent, urgency, ...(nlu ? { nlu } : {}) };
      }
      return nextSend();
    });
    await next();
  }
}
