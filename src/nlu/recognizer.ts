/**
 * CalfRecognizer: the intent recognizer the dialogs use.
 *
 * Trained at start-up from `intents/*.yaml` (well under a second). Pipeline:
 * normalize (natural's tokenizer, Porter stemmer, string distances for spelling) →
 * unigram + bigram features → blend of multinomial naive Bayes and logistic regression.
 * A message with no word the training data knows (empty, emoji only, gibberish,
 * another language) is `none`.
 */
import type { RecognizerResult, TurnContext } from 'botbuilder';
import { normalize, SpellCorrector, baseTokens } from './normalize';
import { DEFAULT_FEATURES, DEFAULT_SOFTMAX, Ensemble, featurize, NaiveBayes, Softmax, softmaxAt, STOP } from './models';
import type { Example, FeatureOptions, ProbModel, SoftmaxOptions } from './models';
import { loadTrainingData } from './trainingData';
import { CONCEPT_WORDS } from './concepts';
import type { IntentData } from './trainingData';
import type { IntentRecognizer } from './types';

export type ModelKind = 'naive-bayes' | 'logistic-regression' | 'ensemble';

export interface RecognizerOptions {
  model: ModelKind;
  features: FeatureOptions;
  /** Laplace smoothing of naive Bayes. */
  nbAlpha: number;
  /** Temperature applied to naive Bayes log-likelihoods (its raw scores are over-confident). */
  nbTemperature: number;
  softmax: SoftmaxOptions;
  /** Weight of naive Bayes in the blend; logistic regression gets 1 - this. */
  nbWeight: number;
  /** Temperature of the blend (calibrates the confidence). */
  temperature: number;
  /** Correct misspellings against the training vocabulary. */
  spelling: boolean;
  /**
   * Confidence for words the model has never seen: the scores are softened by a temperature of
   * 1 + this × (share of the message's content words that are unknown), so "how do i stretch my
   * budget" or "my back garden is flooded" are not answered confidently on one familiar word.
   * The top intent is unchanged. 0 turns it off.
   */
  unknownTemperature: number;
}

export const DEFAULT_OPTIONS: RecognizerOptions = {
  model: 'ensemble',
  features: DEFAULT_FEATURES,
  nbAlpha: 0.1,
  nbTemperature: 3,
  softmax: DEFAULT_SOFTMAX,
  nbWeight: 0.25,
  temperature: 1,
  spelling: true,
  unknownTemperature: 3,
};

export interface Classification {
  intent: string;
  confidence: number;
  ranked: { intent: string; score: number }[];
}

export class CalfRecognizer implements IntentRecognizer {
  readonly labels: string[];
  readonly options: RecognizerOptions;
  /** Milliseconds spent training. */
  readonly trainMs: number;
  private readonly model: ProbModel;
  private readonly speller: SpellCorrector;
  private readonly noneIndex: number;

  constructor(data: readonly IntentData[], options: Partial<RecognizerOptions> = {}) {
    const started = performance.now();
    this.options = { ...DEFAULT_OPTIONS, ...options };
    this.labels = data.map((d) => d.intent);
    this.noneIndex = this.labels.indexOf('none');
    const vocab = new Map<string, number>();
    for (const d of data) for (const u of d.utterances) for (const t of baseTokens(u)) vocab.set(t, (vocab.get(t) ?? 0) + 1);
    // the keyword-concept words are known too: "adios" or "howdy" need not be in a training
    // sentence to be understood, and their misspellings are corrected
    if (this.options.features.concepts) for (const w of CONCEPT_WORDS) for (const t of baseTokens(w)) if (!vocab.has(t)) vocab.set(t, 1);
    this.speller = new SpellCorrector(vocab);
    const examples: Example[] = [];
    data.forEach((d, label) => {
      for (const u of d.utterances) examples.push({ features: featurize(normalize(u).stems, this.options.features), label });
    });
    const o = this.options;
    const k = this.labels.length;
    if (o.model === 'naive-bayes') this.model = new NaiveBayes(k, examples, o.nbAlpha, o.nbTemperature);
    else if (o.model === 'logistic-regression') this.model = new Softmax(k, examples, o.softmax);
    else {
      this.model = new Ensemble(
        [
          { model: new NaiveBayes(k, examples, o.nbAlpha, o.nbTemperature), weight: o.nbWeight },
          { model: new Softmax(k, examples, o.softmax), weight: 1 - o.nbWeight },
        ],
        o.temperature,
      );
    }
    this.trainMs = performance.now() - started;
  }

  /** Classify one message. Every intent is ranked; scores sum to 1. */
  classify(text: string): Classification {
    const norm = normalize(typeof text === 'string' ? text : '', this.speller, this.options.spelling);
    let probs: Float64Array;
    if (norm.known === 0 && this.noneIndex >= 0) {
      probs = new Float64Array(this.labels.length);
      probs[this.noneIndex] = 1;
    } else {
      const features = featurize(norm.stems, this.options.features);
      const t = this.options.unknownTemperature;
      if (t > 0 && norm.unknown.length > 0) {
        let content = 0;
        let unknownContent = 0;
        for (const s of norm.stems) if (!STOP.has(s)) content++;
        for (const s of norm.unknown) if (!STOP.has(s)) unknownContent++;
        probs = softmaxAt(this.model.logits(features), 1 + (t * unknownContent) / Math.max(content, 1));
      } else {
        probs = this.model.predict(features);
      }
    }
    const order = this.labels.map((_, i) => i).sort((a, b) => probs[b]! - probs[a]!);
    const ranked = order.map((i) => ({ intent: this.labels[i]!, score: probs[i]! }));
    const top = ranked[0] ?? { intent: 'none', score: 1 };
    return { intent: top.intent, confidence: top.score, ranked };
  }

  async recognize(context: TurnContext): Promise<RecognizerResult> {
    const text = context.activity?.text ?? '';
    const c = this.classify(text);
    const intents: RecognizerResult['intents'] = {};
    for (const r of c.ranked) intents[r.intent] = { score: r.score };
    return { text, intents, entities: {} };
  }
}

/** Load the intent files and train a recognizer (throws, naming the file, on bad data). */
export function loadRecognizer(intentsDir = 'intents', options: Partial<RecognizerOptions> = {}): CalfRecognizer {
  return new CalfRecognizer(loadTrainingData(intentsDir), options);
}
