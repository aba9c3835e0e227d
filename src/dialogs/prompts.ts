/**
 * The prompts the dialog trees use, able to say whether they would accept the
 * current message ("12" for a count, "left" or "2" for a choice, "yes"). A message
 * the active prompt accepts is an answer, never an interruption.
 */
import { createRequire } from 'node:module';
import { Channels, type Activity, type TurnContext } from 'botbuilder';
import {
  ChoiceFactory, ChoicePrompt, ConfirmPrompt, DialogEvents, ListStyle, NumberPrompt,
  type DialogContext, type DialogEvent, type FoundChoice, type PromptOptions, type PromptRecognizerResult, type PromptValidator, type PromptValidatorContext,
} from 'botbuilder-dialogs';

const SUGGESTED_ACTION_CHANNELS = new Set<string>([
  Channels.Webchat, Channels.Directline, Channels.DirectlineSpeech, Channels.Emulator,
  Channels.Telegram, Channels.Facebook, Channels.Line, Channels.Kik, Channels.Skype,
]);
const CARD_CHANNELS = new Set<string>([Channels.Msteams, Channels.Slack]);

/**
 * How to show choices on this channel: suggested actions where the channel has them
 * (long titles allowed), hero-card buttons on Teams and Slack, a numbered list on
 * channels without buttons. Typing the words works everywhere, the number where a list is shown.
 */
export function choiceStyle(context: TurnContext): ListStyle {
  const channel = context.activity.channelId;
  if (SUGGESTED_ACTION_CHANNELS.has(channel)) return ListStyle.suggestedAction;
  if (CARD_CHANNELS.has(channel)) return ListStyle.heroCard;
  return ListStyle.list;
}

/** A message offering choices outside a prompt (the welcome menu), styled like the prompts. */
export function choiceMessage(context: TurnContext, labels: string[], text: string): Partial<Activity> {
  switch (choiceStyle(context)) {
    case ListStyle.suggestedAction: return ChoiceFactory.suggestedAction(labels, text);
    case ListStyle.heroCard: return ChoiceFactory.heroCard(labels, text);
    default: return ChoiceFactory.list(labels, text, undefined, { includeNumbers: true });
  }
}

interface PromptInstanceState {
  state: object;
  options: PromptOptions;
}

function instanceState(dc: DialogContext): PromptInstanceState {
  return dc.activeDialog!.state as PromptInstanceState;
}

export interface ProbePrompt {
  /** Would the prompt recognise the current message as an answer? */
  accepts(dc: DialogContext): Promise<boolean>;
  /** A follow-up menu: any other message ends the dialog and is answered afresh. */
  readonly open: boolean;
}

/**
 * A prompt's recognition of this turn's message, worked out once: the interruption check
 * (`accepts`) and the prompt's own turn ask the same question of the same message, and the
 * number and choice recognizers are the costliest part of a prompt. Kept per prompt
 * instance (its state object) for the turn only.
 */
const RECOGNISED = Symbol('recognisedThisTurn');

function recogniseOnce<T>(context: TurnContext, state: object, recognise: () => Promise<PromptRecognizerResult<T>>): Promise<PromptRecognizerResult<T>> {
  let memo = context.turnState.get(RECOGNISED) as WeakMap<object, Promise<PromptRecognizerResult<unknown>>> | undefined;
  if (memo === undefined) {
    memo = new WeakMap();
    context.turnState.set(RECOGNISED, memo);
  }
  const known = memo.get(state);
  if (known !== undefined) return known as Promise<PromptRecognizerResult<T>>;
  const result = recognise();
  memo.set(state, result);
  return result;
}

/**
 * Before every continue, botbuilder-dialogs sends `activityReceived` to the innermost dialog
 * (always one of these prompts: only questions wait), which recognises the message and, when
 * it is no answer, bubbles the event up through every dialog on the stack and back. Nothing
 * in the bot handles that event (no dialog of ours overrides `onPreBubbleEvent` or
 * `onPostBubbleEvent`; botbuilder's waterfalls and containers ignore it; tests/turn-cost.test.ts
 * checks both) and the prompt recognises the message when it continues anyway (once:
 * `recogniseOnce`), so the prompts stop it here: about 20 awaits less per message. The
 * return value only decides whether the event bubbles on; `continueDialog` ignores it.
 */
function skipsActivityReceived(e: DialogEvent): boolean {
  return e.name === DialogEvents.activityReceived;
}

const NOT_HANDLED = Promise.resolve(false);

export function isProbePrompt(d: unknown): d is ProbePrompt {
  return typeof d === 'object' && d !== null && typeof (d as ProbePrompt).accepts === 'function';
}

/**
 * True when the choices were shown with numbers (a numbered list, on channels without
 * buttons), so "2" or "the second one" can mean a choice. With buttons nothing is
 * numbered, and a message that is not a choice's words is no answer: it then skips the
 * number and ordinal recognizers (recognizers-text), the costliest part of a prompt.
 */
function offersNumbers(style: ListStyle | undefined): boolean {
  return style !== ListStyle.suggestedAction && style !== ListStyle.heroCard && style !== ListStyle.none;
}

/**
 * An answer by number is short ("2", "the second one", "number 3 please"). In a longer message
 * a number is part of what is told ("stiff and achy after two days planting"), not a choice.
 */
const MAX_WORDS_OF_A_NUMBERED_ANSWER = 4;

function shortEnoughForANumber(text: string | undefined): boolean {
  return wordCount(text) <= MAX_WORDS_OF_A_NUMBERED_ANSWER;
}

/** How many words a message has. */
export function wordCount(text: string | undefined): number {
  return (text ?? '').trim().split(/\s+/).length;
}

export class TreeChoicePrompt extends ChoicePrompt implements ProbePrompt {
  constructor(id: string, readonly open = false, validator?: PromptValidator<FoundChoice>) {
    super(id, validator, 'en-us');
    // Callers pass `style: choiceStyle(context)` in the prompt options.
    this.style = ListStyle.list;
    this.recognizerOptions = { recognizeNumbers: true, recognizeOrdinals: true, allowPartialMatches: false };
  }

  /** A choice's words always; its number or ordinal only where the choices were numbered. */
  protected override onRecognize(context: TurnContext, state: object, options: PromptOptions): Promise<PromptRecognizerResult<FoundChoice>> {
    return recogniseOnce(context, state, () => {
      const numbered = offersNumbers(options.style ?? this.style) && shortEnoughForANumber(context.activity.text);
      // ChoicePrompt reads these synchronously, before its first await, so turns cannot mix them up.
      this.recognizerOptions = { recognizeNumbers: numbered, recognizeOrdinals: numbered, allowPartialMatches: false };
      return super.onRecognize(context, state, options);
    });
  }

  override onDialogEvent(dc: DialogContext, e: DialogEvent): Promise<boolean> {
    return skipsActivityReceived(e) ? NOT_HANDLED : super.onDialogEvent(dc, e);
  }

  async accepts(dc: DialogContext): Promise<boolean> {
    const s = instanceState(dc);
    return (await this.onRecognize(dc.context, s.state, s.options)).succeeded;
  }
}

/**
 * A yes or a no must be said: the message starts with one ("yes", "nope, not at all",
 * "I am"), or is the button's number in a few words where the two were numbered.
 *  - A message that starts with a plain yes or no word is that answer ("nah, nothing swollen
 *    … fine by the next one" is a no: the library would read "one" as the numbered "1. Yes").
 *  - One that starts "I am", "I do", "it is", "not"… is an answer only if the library's
 *    recognizer finds one in it too ("I do get a bit achy after a long day" is no "yes" to
 *    "has the foot gone pale or cold?"), and never from a number inside a longer message.
 *  - The library also reads "ok", "fine" or "sure thing" as yes: "ok, good to know, thanks"
 *    is not a yes to "are you short of breath?". Anything else gets the question again.
 */
const PLAIN_NO = /^\W*(?!no (idea|clue|sure)\b)(n|no|nope|nah|naw|none|never|negative|neither|not really|not at all|not that i know( of)?|not as far as i know|(i )?dont think so|(i )?do not think so|(i )?dont believe so)\b/i;
/** A hedged yes ("a bit", "I think so", "maybe") is a yes: the safety question errs toward being checked. */
const PLAIN_YES = /^\W*(y|yes|yeah|yea|yep|yup|ya|yh|aye|correct|definitely|absolutely|affirmative|(i )?think so|a bit|a little|a little bit|slightly|kind of|sort of|kinda|sorta|maybe|possibly|probably)\b/i;
const SAID_WITH_A_VERB = /^\W*(true|false|not|i am|im|i do|i have|ive|it is|its|they are|he is|she is|i am not|im not|i do not|i dont|i have not|i havent|it is not|it isnt|its not)\b/i;
const NUMBER_FIRST = /^\W*(1|2)\b/;

/** The plain yes or no word a message (its apostrophes dropped) starts with, or null. */
function plainYesOrNo(text: string): boolean | null {
  if (PLAIN_NO.test(text)) return false;
  if (PLAIN_YES.test(text)) return true;
  return null;
}

export class TreeConfirmPrompt extends ConfirmPrompt implements ProbePrompt {
  readonly open = false;
  constructor(id: string, validator?: PromptValidator<boolean>) {
    super(id, validator, 'en-us');
    this.style = ListStyle.auto;
  }

  /** See above: a plain yes or no word; "I am", "it is"… with the library's agreement; "1"/"2" in a short message where the two were numbered. */
  protected override onRecognize(context: TurnContext, state: object, options: PromptOptions): Promise<PromptRecognizerResult<boolean>> {
    return recogniseOnce(context, state, async () => {
      const text = (context.activity.text ?? '').replace(/[\u2018\u2019']/g, '');
      const said = plainYesOrNo(text);
      if (said !== null) return { succeeded: true, value: said };
      const numbered = choiceStyle(context) === ListStyle.list && shortEnoughForANumber(text);
      if (!SAID_WITH_A_VERB.test(text) && !(numbered && NUMBER_FIRST.test(text))) return { succeeded: false };
      return this.recognizeYesNo(context, state, options, numbered);
    });
  }

  /** The library's recognizer, reading the buttons' numbers only where `numbers` says so. */
  private recognizeYesNo(context: TurnContext, state: object, options: PromptOptions, numbers: boolean): Promise<PromptRecognizerResult<boolean>> {
    // ConfirmPrompt reads this synchronously, before its first await; put back at once.
    const saved = this.choiceOptions;
    this.choiceOptions = { ...saved, includeNumbers: numbers };
    try {
      return super.onRecognize(context, state, options);
    } finally {
      this.choiceOptions = saved;
    }
  }

  override onDialogEvent(dc: DialogContext, e: DialogEvent): Promise<boolean> {
    return skipsActivityReceived(e) ? NOT_HANDLED : super.onDialogEvent(dc, e);
  }

  async accepts(dc: DialogContext): Promise<boolean> {
    const s = instanceState(dc);
    return (await this.onRecognize(dc.context, s.state, s.options)).succeeded;
  }
}

/** Range checks for number nodes travel in the prompt options. */
export interface NumberRange {
  min: number;
  max: number;
}

async function inRange(prompt: PromptValidatorContext<number>): Promise<boolean> {
  const range = prompt.options.validations as NumberRange | undefined;
  const v = prompt.recognized.value;
  if (!prompt.recognized.succeeded || v === undefined || !Number.isInteger(v)) return false;
  return !range || (v >= range.min && v <= range.max);
}

/**
 * The two libraries NumberPrompt recognises with, the copies botbuilder-dialogs loads (Globalize
 * with the locales NumberPrompt put into it).
 */
const fromDialogs = createRequire(require.resolve('botbuilder-dialogs'));
interface NumberModel {
  parse(query: string): { resolution?: { value?: string } | null }[] | undefined;
}
const { NumberRecognizer } = fromDialogs('@microsoft/recognizers-text-number') as { NumberRecognizer: new (culture: string) => { getNumberModel(culture: string, fallbackToDefaultCulture: boolean): NumberModel } };
const Globalize = fromDialogs('globalize') as (culture: string) => { numberParser(): (value: string) => number };

/** Locales are the client's to choose: at most this many are kept. */
const MAX_LOCALES = 32;
const numberModels = new Map<string, NumberModel>();
const numberParsers = new Map<string, (value: string) => number>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size < MAX_LOCALES) cache.set(key, value);
  return value;
}

/** `recognizeNumber(text, locale)`'s model: the library builds a recognizer (and looks its model up) on every call. */
function numberModel(locale: string): NumberModel {
  return numberModels.get(locale) ?? remember(numberModels, locale, new NumberRecognizer(locale).getNumberModel(locale, true));
}

/** The Globalize number parser NumberPrompt makes on every recognised number, once per language. */
function numberParser(locale: string, defaultLocale: string): (value: string) => number {
  const language = locale.slice(0, 2).toLowerCase();
  const known = numberParsers.get(language);
  if (known) return known;
  const parser = Globalize(language);
  let parse: (value: string) => number;
  try {
    parse = parser.numberParser();
  } catch {
    parse = Globalize(defaultLocale.slice(0, 2).toLowerCase()).numberParser();
  }
  return remember(numberParsers, language, parse);
}

export class TreeNumberPrompt extends NumberPrompt implements ProbePrompt {
  readonly open = false;
  constructor(id: string) {
    super(id, inRange, 'en-us');
  }

  /**
   * NumberPrompt's recognition step for step, with its number model and Globalize parser
   * kept instead of built on every message (a third of what recognising a number cost).
   * tests/turn-cost.test.ts checks that it finds what NumberPrompt finds.
   */
  protected override onRecognize(context: TurnContext, state: object, _options: PromptOptions): Promise<PromptRecognizerResult<number>> {
    return recogniseOnce(context, state, async () => {
      const result: PromptRecognizerResult<number> = { succeeded: false };
      const utterance = context.activity.text;
      if (!utterance) return result;
      const defaultLocale = this.defaultLocale || 'en-us';
      const locale = context.activity.locale || defaultLocale;
      const [{ resolution = null } = {}] = numberModel(locale).parse(utterance) || [];
      if (resolution) {
        result.succeeded = true;
        result.value = numberParser(locale, defaultLocale)(resolution.value as string);
      }
      return result;
    });
  }

  override onDialogEvent(dc: DialogContext, e: DialogEvent): Promise<boolean> {
    return skipsActivityReceived(e) ? NOT_HANDLED : super.onDialogEvent(dc, e);
  }

  async accepts(dc: DialogContext): Promise<boolean> {
    const s = instanceState(dc);
    return (await this.onRecognize(dc.context, s.state, s.options)).succeeded;
  }
}
