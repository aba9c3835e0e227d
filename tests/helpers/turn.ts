/**
 * Parts of the turn pipeline for tests that drive one step or the dialogs alone with
 * botbuilder's TestAdapter: the triage step and a dialog runtime wired as
 * src/turn/pipeline.ts wires them.
 */
import path from 'node:path';
import type { ConversationState, StatePropertyAccessor } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { testConfig, type Config } from '../../src/config';
import type { Content } from '../../src/content/schema';
import type { Runtime } from '../../src/dialogs/runtime';
import { silentLogger } from '../../src/logger';
import type { IntentRecognizer } from '../../src/nlu/types';
import { loadTriage, type LoadedTriage } from '../../src/triage';
import type { EscalationAlert } from '../../src/triage/alert';
import { TriageMiddleware } from '../../src/turn/3-triage';
import { AfterEscalationMiddleware } from '../../src/turn/5-afterEscalation';
import { EscalationMemory } from '../../src/turn/escalationMemory';
import { Escalator } from '../../src/turn/escalator';
import { RecentSigns } from '../../src/turn/recentSigns';
import { TakeBack } from '../../src/turn/takeBack';

let shared: LoadedTriage | undefined;
/** The real triage (rules, wording and detector, from the model cache as the bot loads it), once per test worker. */
export function realTriage(): LoadedTriage {
  shared ??= loadTriage('triage', { cacheDir: path.join('data', 'cache') });
  return shared;
}

export function escalatorFor(conversationState: ConversationState, opts: { triage?: LoadedTriage; config?: Config; alert?: EscalationAlert } = {}): Escalator {
  return new Escalator({
    triage: opts.triage ?? realTriage(),
    config: opts.config ?? testConfig(),
    memory: new EscalationMemory(conversationState),
    logger: silentLogger,
    alert: opts.alert,
  });
}

export function triageMiddleware(opts: {
  conversationState: ConversationState;
  dialogState: StatePropertyAccessor<DialogState>;
  triage?: LoadedTriage;
  config?: Config;
  alert?: EscalationAlert;
}): TriageMiddleware {
  const triage = opts.triage ?? realTriage();
  const memory = new EscalationMemory(opts.conversationState);
  return new TriageMiddleware({
    triage,
    memory,
    recent: new RecentSigns(opts.conversationState),
    takeBack: new TakeBack(triage.wording, opts.config ?? testConfig()),
    escalator: new Escalator({ triage, config: opts.config ?? testConfig(), memory, logger: silentLogger, alert: opts.alert }),
    conversationState: opts.conversationState,
    dialogState: opts.dialogState,
    logger: silentLogger,
  });
}

export function dialogRuntime(recognizer: IntentRecognizer, content: Content, conversationState: ConversationState, config: Config = testConfig()): Runtime {
  const triage = realTriage();
  const escalator = escalatorFor(conversationState, { config });
  const after = new AfterEscalationMiddleware({ wording: triage.wording, memory: new EscalationMemory(conversationState), conversationState, config, escalator });
  return {
    recognizer,
    content,
    config,
    escalate: (context, ruleId) => escalator.escalateRule(context, ruleId),
    screening: triage.wording.screening,
    safetyNet: triage.wording.safety_net,
    holdIfEscalated: (context) => after.holdIfEscalated(context),
  };
}
