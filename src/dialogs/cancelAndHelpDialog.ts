/**
 * The interruption base for every dialog tree (as in BotBuilder-Samples core-bot).
 * While one of the tree's prompts is waiting:
 *  - `help` explains where the user is and asks the question again;
 *  - `cancel` / `stop` and `start over` end the tree (the main dialog says so / shows the menu);
 *  - a new question is answered, then the bot offers to go back to where the user was.
 * A message the waiting prompt recognises ("left", "12", "yes", a choice's words or
 * number) is always an answer. Only a message the prompt does NOT recognise, and
 * that the recognizer confidently gives another intent, counts as a new question.
 */
import { ActivityTypes, MessageFactory } from 'botbuilder';
import {
  DialogTurnStatus, WaterfallDialog,
  type DialogContext, type DialogInstance, type DialogTurnResult, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { ReusingComponentDialog } from './componentBase';
import { turnMeta } from '../turn/turnMeta';
import { isProbePrompt, TreeConfirmPrompt } from './prompts';
import { fill, matchCommand, recognizeAndDecide, type Runtime, type TreeResult } from './runtime';

/** Where to go back to: a node waterfall and the answers saved so far. */
export interface ResumePoint {
  dialogId: string;
  options: object;
}

interface InterludeOptions {
  dialogId: string;
  intent: string;
  resume: ResumePoint;
}

const INTERLUDE = 'interruption';
const RESUME_PROMPT = 'resumePrompt';

export abstract class CancelAndHelpDialog extends ReusingComponentDialog {
  protected constructor(id: string, protected readonly runtime: Runtime) {
    super(id);
    this.addDialog(new WaterfallDialog(INTERLUDE, [
      this.answerNewQuestion.bind(this),
      this.offerToGoBack.bind(this),
      this.goBack.bind(this),
    ]));
    this.addDialog(new TreeConfirmPrompt(RESUME_PROMPT));
  }

  /** How the user knows this dialog ("the wall test"). */
  protected abstract get title(): string;
  /** Intents this dialog itself answers (never an interruption of itself). */
  protected abstract ownsIntent(intent: string): boolean;
  /** Is this stack entry a step of the dialog that can be resumed? */
  protected abstract isResumable(instance: DialogInstance): boolean;

  protected async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    return (await this.interrupt(innerDc)) ?? super.onContinueDialog(innerDc);
  }

  private async interrupt(innerDc: DialogContext): Promise<DialogTurnResult | undefined> {
    const { activity } = innerDc.context;
    const active = innerDc.activeDialog ? innerDc.findDialog(innerDc.activeDialog.id) : undefined;
    // Only the dialog whose own prompt is waiting handles the message; nested trees handle theirs.
    if (activity.type !== ActivityTypes.Message || !activity.text?.trim() || !isProbePrompt(active)) return undefined;
    const { system } = this.runtime.content;

    const command = matchCommand(activity.text, system.commands);
    if (command === 'help') {
      await innerDc.context.sendActivity(MessageFactory.text(system.help.map((p) => fill(p, this.runtime.config, { title: this.title })).join('\n\n')));
      await innerDc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }
    if (command) return this.finish(innerDc, { action: command });

    if (await active.accepts(innerDc)) return undefined;
    if (active.open) return this.finish(innerDc, { action: 'reroute' });

    const decision = await recognizeAndDecide(this.runtime, innerDc.context);
    if (decision.kind !== 'answer' || this.ownsIntent(decision.intent)) return undefined;
    const dialogId = this.runtime.content.intentDialog[decision.intent];
    const resume = this.resumePoint(innerDc);
    if (!dialogId || !resume) return undefined;
    await innerDc.cancelAllDialogs();
    const options: InterludeOptions = { dialogId, intent: decision.intent, resume };
    return innerDc.beginDialog(INTERLUDE, options);
  }

  private async finish(innerDc: DialogContext, result: TreeResult): Promise<DialogTurnResult> {
    await innerDc.cancelAllDialogs();
    return { status: DialogTurnStatus.complete, result };
  }

  /** The innermost resumable step on the stack, or the point an earlier interruption saved. */
  private resumePoint(innerDc: DialogContext): ResumePoint | undefined {
    for (const instance of [...innerDc.stack].reverse()) {
      const options = (instance.state as { options?: object }).options ?? {};
      if (instance.id === INTERLUDE) return (options as InterludeOptions).resume;
      if (this.isResumable(instance)) return { dialogId: instance.id, options };
    }
    return undefined;
  }

  private async answerNewQuestion(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const o = step.options as InterludeOptions;
    turnMeta(step.context).intent = o.intent;
    return step.beginDialog(o.dialogId, { intent: o.intent, nested: true });
  }

  private async offerToGoBack(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const o = step.options as InterludeOptions;
    const result = (step.result ?? {}) as TreeResult;
    if (result.action && result.action !== 'reroute') return step.endDialog(result);
    if (result.next) return step.replaceDialog(INTERLUDE, { ...o, dialogId: result.next, intent: o.intent });
    const prompt = fill(this.runtime.content.system.resume.prompt, this.runtime.config, { title: this.title });
    return step.prompt(RESUME_PROMPT, { prompt });
  }

  private async goBack(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const o = step.options as InterludeOptions;
    if (step.result === true) return step.replaceDialog(o.resume.dialogId, o.resume.options);
    await step.context.sendActivity(fill(this.runtime.content.system.resume.declined, this.runtime.config, { title: this.title }));
    return step.endDialog({});
  }
}
