/**
 * The project's component dialogs (the main dialog, the trees, the screening questions)
 * share one inner DialogContext per outer one within a turn.
 *
 * botbuilder builds a component's inner DialogContext through `createChildContext` each time
 * one is asked for, and asks twice on every message: once from `DialogContext.continueDialog`,
 * which first walks down to the innermost dialog (the `child` of each context) to send it the
 * turn's `activityReceived` event, then again when the component itself continues. Each
 * DialogContext builds a DialogStateManager (which registers botbuilder's dialogs component
 * again) and writes `turn.activity` into its memory, so the walk cost two of the about seven
 * DialogContexts of a message. The second request now gets the context the first one built,
 * when it is for the same outer context, the same dialog instance and the same inner stack
 * (a context holds nothing else of its own: its stack is the instance's persisted stack, its
 * memory is read through the turn and the stack). Anything else builds a new one, as before.
 */
import { ComponentDialog, type DialogContext, type DialogInstance } from 'botbuilder-dialogs';

/** Where ComponentDialog keeps its inner dialog state in its instance's state (its stored format). */
const PERSISTED_DIALOG_STATE = 'dialogs';

interface Built {
  instance: DialogInstance;
  inner: DialogContext;
}

/** The inner context built for each outer one (outer contexts live for one turn). */
const built = new WeakMap<DialogContext, Built>();

export abstract class ReusingComponentDialog<O extends object = object> extends ComponentDialog<O> {
  createChildContext(outerDC: DialogContext): DialogContext {
    const instance = outerDC.activeDialog;
    const last = built.get(outerDC);
    if (last && instance && last.instance === instance && last.inner.dialogs === this.dialogs && last.inner.parent === outerDC && last.inner.stack === innerStack(instance)) return last.inner;
    const inner = super.createChildContext(outerDC);
    if (instance) built.set(outerDC, { instance, inner });
    return inner;
  }
}

function innerStack(instance: DialogInstance): unknown {
  const state = (instance.state as Record<string, unknown> | undefined)?.[PERSISTED_DIALOG_STATE] as { dialogStack?: unknown } | undefined;
  return state?.dialogStack;
}
