/**
 * Compiles one dialog file into a ComponentDialog. Each node becomes a small
 * WaterfallDialog (`node:<id>`); moving on is a replaceDialog to the next node, so
 * loops never grow the stack. Saved answers travel in the step options (`vars`).
 * Nothing here knows about any topic: the YAML decides everything.
 */
import type { Choice, DialogInstance, DialogTurnResult, FoundChoice, WaterfallStep, WaterfallStepContext } from 'botbuilder-dialogs';
import { DialogContext, WaterfallDialog } from 'botbuilder-dialogs';
import { after, type Target } from '../content/graph';
import { startNodeId, type Condition, type DialogFile, type DialogNode } from '../content/schema';
import { turnMeta } from '../turn/turnMeta';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { choiceStyle, TreeChoicePrompt, TreeConfirmPrompt, TreeNumberPrompt, type NumberRange } from './prompts';
import { renderMessage } from './render';
import { fill, type Runtime, type TreeResult } from './runtime';

type Value = string | number | boolean;
interface NodeOptions {
  vars: Record<string, Value>;
  /** Started to answer a question asked inside another tree: skip follow-up menus. */
  nested: boolean;
}
export interface TreeOptions {
  intent?: string;
  nested?: boolean;
}

const CHOICE = 'choicePrompt';
const MENU = 'menuChoicePrompt';
const NUMBER = 'numberPrompt';
const CONFIRM = 'confirmPrompt';
const NODE = 'node:';
const INTENT_KEY = 'calfbot.intent';

function test(c: Condition, vars: Record<string, Value>, where: string): boolean {
  const raw = vars[c.var];
  if (raw === undefined) throw new Error(`${where}: no answer saved in '${c.var}'`);
  let v: Value = raw;
  if (c.absDiffFrom !== undefined) {
    const other = vars[c.absDiffFrom];
    if (typeof raw !== 'number' || typeof other !== 'number') throw new Error(`${where}: '${c.var}' and '${c.absDiffFrom}' must both be numbers`);
    v = Math.abs(raw - other);
  }
  const num = typeof v === 'number' ? v : NaN;
  return (c.eq === undefined || v === c.eq)
    && (c.in === undefined || c.in.includes(v as string | number))
    && (c.lt === undefined || num < c.lt) && (c.lte === undefined || num <= c.lte)
    && (c.gt === undefined || num > c.gt) && (c.gte === undefined || num >= c.gte);
}

export class TreeDialog extends CancelAndHelpDialog {
  constructor(readonly file: DialogFile, runtime: Runtime) {
    super(file.id, runtime);
    for (const node of file.nodes) this.addDialog(new WaterfallDialog(NODE + node.id, this.steps(node)));
    this.addDialog(new TreeChoicePrompt(CHOICE));
    this.addDialog(new TreeChoicePrompt(MENU, true));
    this.addDialog(new TreeNumberPrompt(NUMBER));
    this.addDialog(new TreeConfirmPrompt(CONFIRM));
    this.initialDialogId = NODE + startNodeId(file);
  }

  protected get title(): string {
    return this.file.title;
  }

  protected ownsIntent(intent: string): boolean {
    return this.file.intents.includes(intent);
  }

  protected isResumable(instance: DialogInstance): boolean {
    return instance.id.startsWith(NODE);
  }

  async beginDialog(outerDc: DialogContext, options?: TreeOptions): Promise<DialogTurnResult> {
    const intent = options?.intent ?? this.file.intents[0] ?? null;
    outerDc.activeDialog!.state[INTENT_KEY] = intent;
    turnMeta(outerDc.context).intent = intent;
    const start: NodeOptions = { vars: {}, nested: options?.nested ?? false };
    // Entries apply only when an intent asked for this dialog, not when another dialog handed over.
    return super.beginDialog(outerDc, { ...start, entry: options?.intent ? this.file.entries[options.intent] : undefined });
  }

  protected async onBeginDialog(innerDc: DialogContext, options?: NodeOptions & { entry?: string }): Promise<DialogTurnResult> {
    const start: NodeOptions = { vars: options?.vars ?? {}, nested: options?.nested ?? false };
    return innerDc.beginDialog(options?.entry ? NODE + options.entry : this.initialDialogId, start);
  }

  async continueDialog(outerDc: DialogContext): Promise<DialogTurnResult> {
    turnMeta(outerDc.context).intent = (outerDc.activeDialog?.state[INTENT_KEY] as string | undefined) ?? null;
    return super.continueDialog(outerDc);
  }

  private steps(node: DialogNode): WaterfallStep[] {
    const where = `${this.id} step '${node.id}' (${node.kind})`;
    const wrap = (fn: (step: WaterfallStepContext, o: NodeOptions) => Promise<DialogTurnResult>): WaterfallStep =>
      async (step) => {
        try {
          return await fn(step, step.options as NodeOptions);
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          if (!e.message.startsWith('TreeDialog ')) e.message = `TreeDialog ${where}: ${e.message.startsWith(where) ? e.message.slice(where.length + 2) : e.message}`;
          throw e;
        }
      };
    const text = (t: string, o: NodeOptions): string => fill(t, this.runtime.config, { title: this.file.title, ...o.vars });
    const save = (o: NodeOptions, value: Value): NodeOptions => ({ ...o, vars: { ...o.vars, [('save' in node && node.save) || node.id]: value } });

    switch (node.kind) {
      case 'message':
        return [wrap(async (step, o) => {
          await step.context.sendActivity(renderMessage(node, (t) => text(t, o), this.runtime.config.SHOW_SOURCES ? this.runtime.content.sourceTitles : undefined));
          return this.go(step, o, after(this.file, node));
        })];
      case 'choice':
        return [
          wrap(async (step, o) => {
            if (node.open && o.nested) return step.endDialog({});
            const choices: Choice[] = node.choices.map((c) => ({ value: text(c.title, o), synonyms: c.synonyms }));
            const style = choiceStyle(step.context);
            return step.prompt(node.open ? MENU : CHOICE, { prompt: text(node.prompt, o), retryPrompt: node.retry ? text(node.retry, o) : undefined, choices, style });
          }),
          wrap(async (step, o) => {
            const index = (step.result as FoundChoice).index;
            const option = node.choices[index];
            if (!option) throw new Error(`${this.file.file}: node '${node.id}' has no choice number ${index}`);
            const next = save(o, option.value ?? option.title);
            if (option.dialog) return step.endDialog({ next: option.dialog } satisfies TreeResult);
            return this.go(step, next, option.next ?? after(this.file, node));
          }),
        ];
      case 'number':
        return [
          wrap(async (step, o) => {
            const range: NumberRange = { min: node.min, max: node.max };
            return step.prompt(NUMBER, { prompt: text(node.prompt, o), retryPrompt: text(node.retry, o), validations: range });
          }),
          wrap(async (step, o) => this.go(step, save(o, step.result as number), after(this.file, node))),
        ];
      case 'confirm':
        return [
          wrap(async (step, o) => step.prompt(CONFIRM, { prompt: text(node.prompt, o), retryPrompt: node.retry ? text(node.retry, o) : undefined })),
          wrap(async (step, o) => {
            const yes = step.result === true;
            return this.go(step, save(o, yes), (yes ? node.yes : node.no) ?? after(this.file, node));
          }),
        ];
      case 'branch':
        return [wrap(async (step, o) => {
          const hit = node.cases.find((c) => c.when.every((w) => test(w, o.vars, where)));
          return this.go(step, o, hit ? hit.next : node.default);
        })];
      case 'goto':
        return [wrap(async (step, o) => (node.dialog ? step.endDialog({ next: node.dialog } satisfies TreeResult) : this.go(step, o, node.node ?? null)))];
      case 'end':
        return [wrap(async (step, o) => {
          if (node.text) await step.context.sendActivity(text(node.text, o));
          return step.endDialog({});
        })];
      case 'escalate':
        return [wrap(async (step, o) => {
          await this.runtime.escalate(step.context, node.reason);
          return node.next ? this.go(step, o, node.next) : step.endDialog({ action: 'escalated' } satisfies TreeResult);
        })];
    }
  }

  private go(step: WaterfallStepContext, o: NodeOptions, target: Target): Promise<DialogTurnResult> {
    return target === null ? step.endDialog({}) : step.replaceDialog(NODE + target, o);
  }
}
