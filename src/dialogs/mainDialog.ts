/**
 * The root dialog: routes each new message to the dialog tree for its intent, asks
 * "Did you mean…?" when the recognizer is unsure, and falls back to the menu when it
 * has no idea. Replies answering an intent carry it in channelData.intent; the
 * "Did you mean…?" reply carries intent null and the fallback menu carries 'none'.
 */
import { TurnContextStateCollection, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import {
  DialogSet, DialogStateManager, DialogTurnStatus, WaterfallDialog,
  type Choice, type DialogContext, type DialogState, type DialogStateManagerConfiguration, type DialogTurnResult, type FoundChoice, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { ReusingComponentDialog } from './componentBase';
import { FALLBACK_INTENT } from '../domain/taxonomy';
import { markReplies } from '../nlu/replyMarker';
import { turnMeta } from '../turn/turnMeta';
import { choiceMessage, choiceStyle, TreeChoicePrompt } from './prompts';
import { fill, matchCommand, normalise, recognizeAndDecide, type Runtime, type TreeResult } from './runtime';
import { TreeDialog } from './treeDialog';
import { SCREENING_DIALOG, ScreeningDialog, type ScreeningOptions, type ScreeningResult } from './screeningDialog';

interface MainOptions {
  /** The screening questions were just answered: answer the message without asking again. */
  screened?: boolean;
  /** Start this dialog (for this intent). */
  start?: string;
  intent?: string;
  /** Show the main menu (after "start over"). */
  menu?: boolean;
  /** Say the tree was stopped, then show the main menu. */
  cancelled?: boolean;
}

interface Offer {
  dialog: string;
  intent?: string;
}

interface StepValues {
  offers?: Offer[];
}

const MAIN = 'mainWaterfall';
const MENU = 'mainMenuPrompt';

/**
 * Where botbuilder-dialogs looks, in a turn's state, for the memory scopes and path
 * resolvers of the turn's DialogStateManagers (not exported by the library;
 * tests/turn-cost.test.ts fails if it stops being read).
 */
export const DIALOG_STATE_MANAGER_CONFIGURATION = 'DialogStateManagerConfiguration';

/**
 * The memory scopes and path resolvers every DialogStateManager gets, built once. botbuilder
 * builds them on the first DialogContext of every turn (a dependency graph of service
 * factories, ~2% of a turn) and shares them within the turn; they keep no state of their
 * own (what they read and cache is on the TurnContext), so one set serves every turn.
 */
let sharedConfiguration: DialogStateManagerConfiguration | undefined;
export function dialogStateConfiguration(): DialogStateManagerConfiguration {
  if (!sharedConfiguration) {
    // the same configuration botbuilder builds for a turn that sets no memory scopes of its own
    const turnState = new TurnContextStateCollection();
    sharedConfiguration = new DialogStateManager({ context: { turnState } } as unknown as DialogContext).configuration;
  }
  return sharedConfiguration;
}

export class MainDialog extends ReusingComponentDialog {
  private readonly runtime: Runtime;
  /** Menu labels and titles, normalised once, to the dialog they open (the first dialog wins). */
  private readonly byLabel = new Map<string, Offer>();
  /** The main menu's items (fresh copies are offered on each turn). */
  private readonly mainItems: readonly Offer[];

  constructor(runtime: Runtime) {
    super('mainDialog');
    this.runtime = runtime;
    const { dialogs, system } = runtime.content;
    for (const d of dialogs) {
      const key = normalise(d.menu ?? d.title);
      if (!this.byLabel.has(key)) this.byLabel.set(key, { dialog: d.id, intent: d.intents[0] });
    }
    this.mainItems = system.menu.items.map((id) => ({ dialog: id, intent: dialogs.find((d) => d.id === id)!.intents[0] }));
    for (const file of runtime.content.dialogs) this.addDialog(new TreeDialog(file, this.runtime));
    this.addDialog(new ScreeningDialog(this.runtime));
    // The menu accepts anything: a message that is not one of its choices is answered afresh.
    this.addDialog(new TreeChoicePrompt(MENU, true, async () => true));
    this.addDialog(new WaterfallDialog(MAIN, [this.route.bind(this), this.afterRoute.bind(this)]));
    this.initialDialogId = MAIN;
  }

  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    if (!context.turnState.has(DIALOG_STATE_MANAGER_CONFIGURATION)) context.turnState.set(DIALOG_STATE_MANAGER_CONFIGURATION, dialogStateConfiguration());
    const dialogSet = new DialogSet(accessor);
    dialogSet.add(this);
    const dc = await dialogSet.createContext(context);
    let result: DialogTurnResult;
    try {
      result = await dc.continueDialog();
    } catch (err) {
      if (!isMissingDialog(err)) throw err;
      // A conversation saved by an earlier version, waiting in a dialog that a deploy renamed
      // or removed: it would fail on every message from now on. Start it afresh instead
      // (triage has already read this message).
      await accessor.set(context, { dialogStack: [] });
      await (await dialogSet.createContext(context)).beginDialog(this.id);
      return;
    }
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  /** What the bot is and is not, then the menu (typing a number or an item's words works). */
  async sendWelcome(context: TurnContext): Promise<void> {
    const { system } = this.runtime.content;
    const labels = system.menu.items.map((id) => this.label(id));
    const text = [...system.welcome, system.menu.prompt].map((p) => fill(p, this.runtime.config)).join('\n\n');
    // Buttons where the channel has them, a numbered list in the text where it does not.
    await context.sendActivity(choiceMessage(context, labels, text));
  }

  private label(dialogId: string): string {
    const d = this.runtime.content.dialogs.find((f) => f.id === dialogId)!;
    return d.menu ?? d.title;
  }

  /** A menu item typed or clicked outside a prompt: its label, or its number in the main menu. */
  private pick(text: string): Offer | undefined {
    const t = normalise(text);
    const { dialogs, system } = this.runtime.content;
    const byLabel = this.byLabel.get(t);
    if (byLabel) return { ...byLabel };
    const n = /^\d+$/.test(t) ? Number(t) : NaN;
    const item = system.menu.items[n - 1];
    const d = item ? dialogs.find((f) => f.id === item) : undefined;
    return d ? { dialog: d.id, intent: d.intents[0] } : undefined;
  }

  private async route(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const o = (step.options ?? {}) as MainOptions;
    const { system, intentDialog } = this.runtime.content;
    if (o.start) return this.startTree(step, o.start, o.intent);
    if (o.menu) return this.offer(step, fill(system.menu.prompt, this.runtime.config), this.mainOffers(), null);
    if (o.cancelled) return this.cancelled(step);

    const text = step.context.activity.text?.trim() ?? '';
    const meta = turnMeta(step.context);
    if (meta.screen && !o.screened && text) return step.beginDialog(SCREENING_DIALOG, { question: text, conditions: meta.screenFor } satisfies ScreeningOptions);
    if (meta.safetyNet) await step.context.sendActivity(fill(this.runtime.safetyNet, this.runtime.config));
    const command = text ? matchCommand(text, system.commands) : undefined;
    if (command === 'help' && intentDialog.help) return this.startTree(step, intentDialog.help, 'help');
    if (command === 'cancel') return this.cancelled(step);
    if (command === 'startOver') return this.offer(step, fill(system.menu.prompt, this.runtime.config), this.mainOffers(), null);
    const picked = text ? this.pick(text) : undefined;
    if (picked) return this.startTree(step, picked.dialog, picked.intent);

    const decision = text ? await recognizeAndDecide(this.runtime, step.context) : { kind: 'fallback' as const, score: 0 };
    const mark = (outcome: 'answered' | 'clarified' | 'fallback') => markReplies(step.context, { outcome, confidence: decision.score, threshold: this.runtime.config.NLU_ANSWER_THRESHOLD });
    const answer = decision.kind === 'answer' ? intentDialog[decision.intent] : undefined;
    if (decision.kind === 'answer' && answer) {
      mark('answered');
      return this.startTree(step, answer, decision.intent);
    }
    if (decision.kind === 'clarify') {
      const offers = decision.candidates.flatMap((intent) => {
        const dialog = intentDialog[intent];
        return dialog ? [{ dialog, intent }] : [];
      })
        .filter((x, i, all) => all.findIndex((y) => y.dialog === x.dialog) === i);
      if (offers.length > 0) {
        mark('clarified');
        return this.offer(step, fill(system.clarify, this.runtime.config), offers, null);
      }
    }
    mark('fallback');
    return this.offer(step, system.fallback.map((p) => fill(p, this.runtime.config)).join('\n\n'), this.mainOffers(), FALLBACK_INTENT);
  }

  private async startTree(step: WaterfallStepContext, dialogId: string, intent?: string): Promise<DialogTurnResult> {
    (step.values as StepValues).offers = undefined;
    return step.beginDialog(dialogId, { intent });
  }

  private async offer(step: WaterfallStepContext, prompt: string, offers: Offer[], intent: string | null): Promise<DialogTurnResult> {
    turnMeta(step.context).intent = intent;
    (step.values as StepValues).offers = offers;
    const choices: Choice[] = offers.map((x) => ({ value: this.label(x.dialog) }));
    return step.prompt(MENU, { prompt, choices, style: choiceStyle(step.context) });
  }

  /** The main menu's items, fresh copies for this turn's offer. */
  private mainOffers(): Offer[] {
    return this.mainItems.map((x) => ({ ...x }));
  }

  /** Stopped: say so and offer the main menu. */
  private async cancelled(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { system } = this.runtime.content;
    return this.offer(step, system.cancelled.map((p) => fill(p, this.runtime.config)).join('\n\n'), this.mainOffers(), null);
  }

  private async afterRoute(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const offers = (step.values as StepValues).offers;
    if (offers) {
      const found = step.result as FoundChoice | undefined;
      const chosen = found ? offers[found.index] : undefined;
      // Not one of the offered items: treat the message as a new question.
      return step.replaceDialog(MAIN, chosen ? { start: chosen.dialog, intent: chosen.intent } : {});
    }
    const screening = step.result as Partial<ScreeningResult> | undefined;
    if (screening && typeof screening.escalated === 'boolean') {
      if (screening.escalated) return step.endDialog();
      // Every answer was "no": now answer the message that raised the questions.
      step.context.activity.text = screening.question ?? '';
      return step.replaceDialog(MAIN, { screened: true } satisfies MainOptions);
    }
    const result = (step.result ?? {}) as TreeResult;
    if (result.next) return step.replaceDialog(MAIN, { start: result.next } satisfies MainOptions);
    if (result.action === 'cancel') return step.replaceDialog(MAIN, { cancelled: true } satisfies MainOptions);
    if (result.action === 'startOver') return step.replaceDialog(MAIN, { menu: true } satisfies MainOptions);
    if (result.action === 'reroute') return step.replaceDialog(MAIN, {});
    return step.endDialog();
  }
}

/** botbuilder-dialogs' error for a saved dialog stack that names a dialog this version does not have. */
function isMissingDialog(err: unknown): boolean {
  return err instanceof Error && /A dialog with an id of '[^']*' wasn't found/.test(err.message);
}
