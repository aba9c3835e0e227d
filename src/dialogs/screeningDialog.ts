/**
 * "Ask when unsure": a few Wells-style yes/no questions (triage/escalation.yaml,
 * `screening:`) asked before answering a message with a warning sign that is not
 * enough to escalate on its own ("my calf feels odd after the flight"). The set asked
 * follows the screened conditions: breathlessness with an everyday cause gets the
 * breathing questions, every other warning sign the clot questions. A "yes"
 * escalates at that question's level; all "no" answers the original question.
 * A red flag typed instead of an answer is caught by triage, which runs first on
 * every message and ends this dialog. Anything else that is no yes or no is asked again
 * once if it is a word or two ("hmm?"); a longer message, or a second miss, goes on
 * without the answers: the set's `skipped` line names the signs to act on, and the new
 * message is answered, or the one that raised the questions if the recognizer cannot place
 * the new one (a user is never held in the questions).
 */
import { WaterfallDialog, type DialogTurnResult, type PromptValidator, type WaterfallStepContext } from 'botbuilder-dialogs';
import { screeningSetFor, type ScreeningSet } from '../triage/wording';
import { ReusingComponentDialog } from './componentBase';
import { TreeConfirmPrompt, wordCount } from './prompts';
import { fill, recognizeAndDecide, type Runtime } from './runtime';

export const SCREENING_DIALOG = 'screening';
const CONFIRM = 'screeningConfirm';
const CHOOSE = 'screeningChoose';
const setDialogId = (set: ScreeningSet): string => `screeningSet:${set.id}`;

export interface ScreeningOptions {
  /** The message that raised the question: answered when every answer is "no". */
  question: string;
  /** The conditions whose warning signs were seen (triage's `screenFor`): they choose the set. */
  conditions: readonly string[];
}

/** How screening ended: escalated, or cleared (or gone on without the answers) with the question to answer now. */
export interface ScreeningResult {
  escalated: boolean;
  question: string;
}

/** Words that make a reply a message of its own rather than an unclear answer ("hmm?"). */
const OWN_MESSAGE_WORDS = 3;

/** A yes or no; or, if not, a message of its own or a second miss: the prompt ends with no answer. */
const answeredOrMovedOn: PromptValidator<boolean> = async (pc) =>
  pc.recognized.succeeded || pc.attemptCount >= 2 || wordCount(pc.context.activity.text) >= OWN_MESSAGE_WORDS;

interface ScreeningValues {
  question: string;
}

export class ScreeningDialog extends ReusingComponentDialog {
  constructor(runtime: Runtime) {
    super(SCREENING_DIALOG);
    // The first step picks the set; each set is its own waterfall, ending with the result.
    this.addDialog(new WaterfallDialog(CHOOSE, [
      async (step) => {
        const options = step.options as ScreeningOptions;
        return step.beginDialog(setDialogId(screeningSetFor(runtime.screening, options.conditions ?? [])), { question: options.question });
      },
      async (step) => step.endDialog(step.result as ScreeningResult),
    ]));
    for (const set of runtime.screening.sets) this.addDialog(new WaterfallDialog(setDialogId(set), stepsFor(set, runtime)));
    this.addDialog(new TreeConfirmPrompt(CONFIRM, answeredOrMovedOn));
    this.initialDialogId = CHOOSE;
  }
}

function stepsFor(set: ScreeningSet, runtime: Runtime): ((step: WaterfallStepContext) => Promise<DialogTurnResult>)[] {
  const steps = set.questions.flatMap((q, i) => [
    async (step: WaterfallStepContext): Promise<DialogTurnResult> => {
      if (i === 0) {
        (step.values as ScreeningValues).question = (step.options as Pick<ScreeningOptions, 'question'>).question;
        await step.context.sendActivity(fill(set.intro, runtime.config));
      }
      return step.prompt(CONFIRM, { prompt: fill(q.ask, runtime.config), retryPrompt: `${runtime.screening.retry} ${fill(q.ask, runtime.config)}` });
    },
    async (step: WaterfallStepContext): Promise<DialogTurnResult> => {
      if (typeof step.result !== 'boolean') {
        await step.context.sendActivity(fill(set.skipped, runtime.config));
        // a new question is answered; a reply the recognizer cannot place ("hmm, hard to say") was about the
        // questions, so the message that raised them is answered instead
        const decision = await recognizeAndDecide(runtime, step.context);
        const question = decision.kind === 'answer' ? step.context.activity.text ?? '' : (step.values as ScreeningValues).question;
        return step.endDialog({ escalated: false, question } satisfies ScreeningResult);
      }
      if (step.result === true) {
        await runtime.escalate(step.context, `screening:${q.id}`);
        return step.endDialog({ escalated: true, question: (step.values as ScreeningValues).question } satisfies ScreeningResult);
      }
      return step.next();
    },
  ]);
  steps.push(async (step) => {
    await step.context.sendActivity(fill(set.all_clear, runtime.config));
    return step.endDialog({ escalated: false, question: (step.values as ScreeningValues).question } satisfies ScreeningResult);
  });
  return steps;
}
