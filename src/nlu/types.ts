import type { RecognizerResult, TurnContext } from 'botbuilder';

/** The Bot Framework recognizer shape; dialogs get one injected, tests may pass a fake. */
export interface IntentRecognizer {
  recognize(context: TurnContext): Promise<RecognizerResult>;
}
