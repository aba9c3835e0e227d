/**
 * CalfRecognizer: the intent recognizer the dialogs use.
 *
 * Trained from `intents/*.yaml` (a few hundred ms); the service keeps the trained model in a
 * file (modelCache.ts) and trains again only when the intents or this code change. Pipeline:
 * normalize (words, Porter stems and string distances for spelling from src/domain/text.ts) →
 * unigram + bigram features → blend of multinomial naive Bayes and logistic regression.
 * A message with no word the training data knows (empty, emoji only, gibberish,
 * another language) is `none`.
 */
import type { RecognizerResult, TurnContext } from 'botbuilder';
import { normalize, SpellCorrector, baseTokens } from './normalize';
import { DEFAULT_FEATURES, DEFAULT_SOFTMAX, Ensemble, featurize, NaiveBayes, Softmax, softmaxAt, STOP } from './models';
import type { Example, FeatureOptions, NaiveBayesParams, ProbModel, SoftmaxOptions, SoftmaxParams } from './models';
import { loadTrainingData } from './trainingData';
import { modelCacheKey, readCachedModel, writeCachedModel } from './modelCache';
import { CONCEPT_WORDS } from './concepts';
import { variants } from './variants';
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

/** Everything training produces: a recognizer rebuilt from it classifies exactly like the original. */
export interface RecognizerSnapshot {
  labels: string[];
  /** Spelling vocabulary (token → count), in insertion order (it breaks ties between corrections). */
  vocab: [string, number][];
  naiveBayes?: NaiveBayesParams;
  softmax?: SoftmaxParams;
}

export class CalfRecognizer implements IntentRecognizer {
  readonly labels: string[];
  readonly options: RecognizerOptions;
  /** Milliseconds spent training (or rebuilding from a snapshot). */
  readonly trainMs: number;
  /** True when rebuilt from a snapshot (the model cache) rather than trained. */
  readonly fromSnapshot: boolean;
  private readonly model: ProbModel;
  private readonly speller: SpellCorrector;
  private readonly noneIndex: number;
  private readonly vocab: Map<string, number>;
  private readonly nb?: NaiveBayes;
  private readonly softmax?: Softmax;

  /** Trains on the intents' utterances, or rebuilds a trained recognizer from its `snapshot()` (same options). */
  constructor(source: readonly IntentData[] | RecognizerSnapshot, options: Partial<RecognizerOptions> = {}) {
    const started = performance.now();
    this.options = { ...DEFAULT_OPTIONS, ...options };
    const o = this.options;
    const snap = 'vocab' in source ? source : null;
    this.fromSnapshot = snap !== null;
    if (snap) {
      this.labels = [...snap.labels];
      this.vocab = new Map(snap.vocab);
    } else {
      const data = source as readonly IntentData[];
      this.labels = data.map((d) => d.intent);
      this.vocab = new Map<string, number>();
      for (const d of data) for (const u of d.utterances) for (const t of baseTokens(u)) this.vocab.set(t, (this.vocab.get(t) ?? 0) + 1);
      // the keyword-concept words are known too: "adios" or "howdy" need not be in a training
      // sentence to be understood, and their misspellings are corrected
      if (o.features.concepts) for (const w of CONCEPT_WORDS) for (const t of baseTokens(w)) if (!this.vocab.has(t)) this.vocab.set(t, 1);
    }
    this.noneIndex = this.labels.indexOf('none');
    this.speller = new SpellCorrector(this.vocab);
    const k = this.labels.length;
    const examples: Example[] = [];
    if (!snap) {
      (source as readonly IntentData[]).forEach((d, label) => {
        for (const u of d.utterances) examples.push({ features: featurize(normalize(u).stems, o.features), label });
      });
    }
    const nbSource = (): readonly Example[] | NaiveBayesParams => {
      if (!snap) return examples;
      if (!snap.naiveBayes) throw new Error('model snapshot has no naive Bayes part');
      return snap.naiveBayes;
    };
    const softmaxSource = (): readonly Example[] | SoftmaxParams => {
      if (!snap) return examples;
      if (!snap.softmax) throw new Error('model snapshot has no logistic regression part');
      return snap.softmax;
    };
    if (o.model !== 'logistic-regression') this.nb = new NaiveBayes(k, nbSource(), o.nbAlpha, o.nbTemperature);
    if (o.model !== 'naive-bayes') this.softmax = new Softmax(k, softmaxSource(), o.softmax);
    if (this.nb && this.softmax) {
      this.model = new Ensemble([{ model: this.nb, weight: o.nbWeight }, { model: this.softmax, weight: 1 - o.nbWeight }], o.temperature);
    } else {
      this.model = (this.nb ?? this.softmax)!;
    }
    this.trainMs = performance.now() - started;
  }

  /** What training produced, to rebuild this recognizer without training (`new CalfRecognizer(snapshot, sameOptions)`). */
  snapshot(): RecognizerSnapshot {
    return { labels: [...this.labels], vocab: [...this.vocab], naiveBayes: this.nb?.params(), softmax: this.softmax?.params() };
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
    if (probs.length !== this.labels.length) throw new Error(`the intent model gave ${probs.length} scores for ${this.labels.length} intents`);
    const ranked = this.labels.map((intent, i) => ({ intent, score: probs[i] ?? 0 })).sort((a, b) => b.score - a.score);
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

export interface LoadRecognizerOptions {
  /**
   * Keep the trained model in this folder and reuse it while the intent files, the NLU code
   * and the options are unchanged (see modelCache.ts). Without it, every call trains.
   */
  cacheDir?: string;
}

/** Load the intent files and train a recognizer (throws, naming the file, on bad data). */
export function loadRecognizer(intentsDir = 'intents', options: Partial<RecognizerOptions> = {}, load: LoadRecognizerOptions = {}): CalfRecognizer {
  variants(); // read and checked now, so that a bad variants file stops the start, not a later turn
  if (!load.cacheDir) return new CalfRecognizer(loadTrainingData(intentsDir), options);
  const merged = { ...DEFAULT_OPTIONS, ...options };
  const key = modelCacheKey(intentsDir, merged);
  const cached = key ? readCachedModel(load.cacheDir, key) : null;
  if (cached) {
    try {
      return new CalfRecognizer(cached, merged);
    } catch {
      // a snapshot that does not fit the options: train instead
    }
  }
  const recognizer = new CalfRecognizer(loadTrainingData(intentsDir), merged);
  if (key) writeCachedModel(load.cacheDir, key, recognizer.snapshot());
  return recognizer;
}
