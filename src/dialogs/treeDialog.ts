/**
 * Compiles one dialog file into a ComponentDialog. Each question (choice, number, confirm)
 * is a small WaterfallDialog (`node:<id>`); moving on runs the nodes that do not wait
 * (message, branch, goto, end, escalate) inline and then replaces the waterfall with the
 * next question's, so loops never grow the stack. Saved answers travel in the step options (`vars`).
 * Nothing here knows about any topic: the YAML decides everything.
 */
import type { Choice, DialogInstance, DialogTurnResult, FoundChoice, WaterfallStep, WaterfallStepContext } from 'botbuilder-dialogs';
import type { TurnContext } from 'botbuilder';
import { DialogContext, DialogTurnStatus, WaterfallDialog } from 'botbuilder-dialogs';
import { after, isInteractive, type Target } from '../content/graph';
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
  private readonly nodes: ReadonlyMap<string, DialogNode>;

  constructor(readonly file: DialogFile, runtime: Runtime) {
    super(file.id, runtime);
    this.nodes = new Map(file.nodes.map((n) => [n.id, n]));
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
    // an inner stack left empty ends the component with the result, as ending its last waterfall did
    return this.run(innerDc.context, start, options?.entry ?? startNodeId(this.file), (id, o) => innerDc.beginDialog(id, o), async (result) => ({ status: DialogTurnStatus.complete, result }));
  }

  async continueDialog(outerDc: DialogContext): Promise<DialogTurnResult> {
    turnMeta(outerDc.context).intent = (outerDc.activeDialog?.state[INTENT_KEY] as string | undefined) ?? null;
    return super.continueDialog(outerDc);
  }

  /** The waterfall of one node: a question's two steps, or one step that runs the node inline. */
  private steps(node: DialogNode): WaterfallStep[] {
    const wrap = (fn: (step: WaterfallStepContext, o: NodeOptions) => Promise<DialogTurnResult>): WaterfallStep =>
      async (step) => this.named(node, () => fn(step, step.options as NodeOptions));
    const save = (o: NodeOptions, value: Value): NodeOptions => ({ ...o, vars: { ...o.vars, [('save' in node && node.save) || node.id]: value } });
    const text = (t: string, o: NodeOptions): string => this.text(t, o);

    switch (node.kind) {
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
      default:
        // Only reached from a stack that begins at a node that does not wait (run() never puts one there).
        return [async (step) => this.go(step, step.options as NodeOptions, node.id)];
    }
  }

  /**
   * Moves on to `target`. Nodes that do not wait for the user (message, branch, goto, end,
   * escalate) run here, one after the other, and the first question is then started in the
   * waterfall's place, as a chain of replaceDialogs did: the stored stack (questions only) is
   * the same, with a waterfall and a DialogContext fewer per node passed through.
   */
  private go(step: WaterfallStepContext, o: NodeOptions, target: Target): Promise<DialogTurnResult> {
    return this.run(step.context, o, target, (id, options) => step.replaceDialog(id, options), (result) => step.endDialog(result));
  }

  private async run(
    context: TurnContext, o: NodeOptions, target: Target,
    ask: (dialogId: string, o: NodeOptions) => Promise<DialogTurnResult>,
    end: (result: TreeResult) => Promise<DialogTurnResult>,
  ): Promise<DialogTurnResult> {
    // stretches, rolling or a self-test after an escalation's card: "not until you have been checked"
    if (this.file.hold_while_escalated && (await this.runtime.holdIfEscalated(context))) return end({ action: 'escalated' });
    // the content check rejects loops that never wait; this only stops a file that skipped it
    for (let passed = 0; passed <= this.file.nodes.length; passed++) {
      if (target === null) return end({});
      const node = this.nodes.get(target);
      if (!node) throw new Error(`TreeDialog ${this.id}: no node '${target}'`);
      if (isInteractive(node)) return ask(NODE + node.id, o);
      const next = await this.named(node, () => this.pass(context, node, o));
      if (typeof next !== 'string' && next !== null) return end(next.end);
      target = next;
    }
    throw new Error(`TreeDialog ${this.id}: a loop of nodes that never wait for the user`);
  }

  /** Runs a node that does not wait: where it leads, or how the tree ends. */
  private async pass(context: TurnContext, node: DialogNode, o: NodeOptions): Promise<Target | { end: TreeResult }> {
    switch (node.kind) {
      case 'message':
        await context.sendActivity(renderMessage(node, (t) => this.text(t, o), this.runtime.config.SHOW_SOURCES ? this.runtime.content.sourceTitles : undefined));
        return after(this.file, node);
      case 'branch': {
        const where = this.where(node);
        const hit = node.cases.find((c) => c.when.every((w) => test(w, o.vars, where)));
        return hit ? hit.next : node.default;
      }
      case 'goto':
        return node.dialog ? { end: { next: node.dialog } } : (node.node ?? null);
      case 'end':
        if (node.text) await context.sendActivity(this.text(node.text, o));
        return { end: {} };
      case 'escalate':
        await this.runtime.escalate(context, node.reason);
        return node.next ? node.next : { end: { action: 'escalated' } };
      default:
        throw new Error(`${this.where(node)}: waits for the user`);
    }
  }

  private text(t: string, o: NodeOptions): string {
    return fill(t, this.runtime.config, { title: this.file.title, ...o.vars });
  }

  private where(node: DialogNode): string {
    return `${this.id} step '${node.id}' (${node.kind})`;
  }

  /** An error names the dialog, the node and its kind, in the botbuilder-dialogs style. */
  private async named<T>(node: DialogNode, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const where = this.where(node);
      if (!e.message.startsWith('TreeDialog ')) e.message = `TreeDialog ${where}: ${e.message.startsWith(where) ? e.message.slice(where.length + 2) : e.message}`;
      throw e;
    }
  }
}
