/**
 * "Ask when unsure": a few Wells-style yes/no questions (triage/escalation.yaml,
 * `screening:`) asked before answering a message with a warning sign that is not
 * enough to escalate on its own ("my calf feels odd after the flight"). A "yes"
 * escalates at that question's level; all "no" answers the original question.
 * A red flag typed instead of an answer is caught by triage, which runs first on
 * every message and ends this dialog.
 */
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { ReusingComponentDialog } from './componentBase';
import { TreeConfirmPrompt } from './prompts';
import { fill, type Runtime } from './runtime';

export const SCREENING_DIALOG = 'screening';
const CONFIRM = 'screeningConfirm';

export interface ScreeningOptions {
  /** The message that raised the question: answered when every answer is "no". */
  question: string;
}

/** How screening ended: escalated, or cleared with the question to answer now. */
export interface ScreeningResult {
  escalated: boolean;
  question: string;
}

interface ScreeningValues {
  question: string;
}

export class ScreeningDialog extends ReusingComponentDialog {
  constructor(runtime: Runtime) {
    super(SCREENING_DIALOG);
    const { questions } = runtime.screening;
    const steps = questions.flatMap((q, i) => [
      async (step: WaterfallStepContext): Promise<DialogTurnResult> => {
        if (i === 0) {
          (step.values as ScreeningValues).question = (step.options as ScreeningOptions).question;
          await step.context.sendActivity(fill(runtime.screening.intro, runtime.config));
        }
        return step.prompt(CONFIRM, { prompt: fill(q.ask, runtime.config), retryPrompt: `${runtime.screening.retry} ${fill(q.ask, runtime.config)}` });
      },
      async (step: WaterfallStepContext): Promise<DialogTurnResult> => {
        if (step.result === true) {
          await runtime.escalate(step.context, `screening:${q.id}`);
          return step.endDialog({ escalated: true, question: (step.values as ScreeningValues).question } satisfies ScreeningResult);
        }
        return step.next();
      },
    ]);
    steps.push(async (step) => {
      await step.context.sendActivity(fill(runtime.screening.all_clear, runtime.config));
      return step.endDialog({ escalated: false, question: (step.values as ScreeningValues).question } satisfies ScreeningResult);
    });
    this.addDialog(new WaterfallDialog('screeningSteps', steps));
    this.addDialog(new TreeConfirmPrompt(CONFIRM));
    this.initialDialogId = 'screeningSteps';
  }
}
