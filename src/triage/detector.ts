/**
 * The second, independent red-flag detector: a logistic-regression classifier over
 * the same normalised tokens and concepts as the rules, trained on
 * `triage/detector/train.yaml` (patient-style messages labelled with a condition or
 * `none`). It sees what the rules see but decides differently: it weighs words
 * rather than requiring a rule's combination, so it can catch a wording no rule was
 * written for. Its verdict is OR-combined with the rules in src/triage/index.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { Softmax, STOP, type Example, type SoftmaxParams } from '../nlu/models';
import { b64, codeHash, filesHash, floats, isStrings, readCacheFile, writeCacheFile } from '../nlu/modelCache';
import { URGENCY_LEVELS, type EscalationLevel } from '../domain/urgency';
import { LEXICON_FILE, type Lexicon } from './lexicon';
import { Matcher, type Analysis } from './matcher';

const trainSchema = z.strictObject({
  version: z.literal(1),
  examples: z.array(z.strictObject({
    text: z.string().trim().min(1),
    condition: z.string().regex(/^[a-z][a-z0-9_]*$/),
    level: z.enum(URGENCY_LEVELS),
  })).min(20, 'the detector needs training examples'),
});

const settingsSchema = z.strictObject({
  version: z.literal(1),
  escalate_at: z.number().gt(0).lt(1),
  ask_at: z.number().gt(0).lt(1),
  alone_min_words: z.number().int().min(1),
  alone_min_condition: z.number().gt(0).lt(1),
}).refine((s) => s.ask_at <= s.escalate_at, 'ask_at must not be above escalate_at');

export type TrainingExample = z.infer<typeof trainSchema>['examples'][number];
export type DetectorSettings = z.infer<typeof settingsSchema>;

export interface Detection {
  verdict: 'none' | 'unsure' | 'escalate';
  /** P(red flag) = 1 − P(none). */
  probability: number;
  /** The most likely red-flag condition, its own probability, and its level. */
  condition: string;
  conditionProbability: number;
  level: EscalationLevel;
  /**
   * Enough to escalate with no rule behind it: at least `alone_min_words` words, and at
   * least `alone_min_condition` sure of WHICH condition (a high P(red flag) spread over
   * several conditions is a vague worry, not a sign: "been walking a lot, my leg is tired").
   */
  enoughAlone: boolean;
}

export interface RedFlagDetector {
  detect(text: string): Detection;
  /** The same, from the matcher's analysis of the first DETECTOR_CHARS characters (saves analysing twice). */
  detectAnalysed?(analysis: Analysis): Detection;
}

function readYaml<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message.split('\n')[0]})`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new Error(r.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  return r.data;
}

export function loadTrainingExamples(dir = 'triage'): TrainingExample[] {
  return readYaml(join(dir, 'detector', 'train.yaml'), trainSchema).examples;
}

export function loadDetectorSettings(dir = 'triage'): DetectorSettings {
  return readYaml(join(dir, 'detector', 'settings.yaml'), settingsSchema);
}

/** The detector reads at most this much of a message (the start, where the question is). */
export const DETECTOR_CHARS = 2000;

/** Features: stems, stem bigrams, and each concept found, marked when negated. */
export function detectorFeatures(matcher: Matcher, text: string): string[] {
  return featuresOf(matcher.analyse(text.slice(0, DETECTOR_CHARS)));
}

/** The same features from an analysis of the message's first DETECTOR_CHARS characters. */
export function featuresOf(a: Analysis): string[] {
  const out = new Set<string>();
  const words = a.tokens.filter((t) => t.word).map((t) => t.stem);
  words.forEach((s, i) => {
    if (!STOP.has(s)) out.add(s);
    const next = words[i + 1];
    if (next !== undefined) out.add(`${s}_${next}`);
  });
  for (const o of a.occurrences) out.add(o.negated ? `!${o.concept}` : `#${o.concept}`);
  return [...out];
}

/** What training produces: the labels (`none` first), each condition's level, the model. */
export interface DetectorModel {
  labels: string[];
  levels: [string, EscalationLevel][];
  softmax: SoftmaxParams;
}

/** Trains the detector's model on `examples`. */
export function trainDetector(matcher: Matcher, examples: readonly TrainingExample[]): DetectorModel {
  const labels = ['none', ...new Set(examples.filter((e) => e.condition !== 'none').map((e) => e.condition))];
  const index = new Map(labels.map((l, i) => [l, i]));
  // A condition's level is the level most of its examples carry (infection: urgent; sepsis is left to the rules).
  const counts = new Map<string, { urgent: number; emergency: number }>();
  for (const e of examples) {
    if (e.level === 'none') continue;
    const c = counts.get(e.condition) ?? { urgent: 0, emergency: 0 };
    c[e.level]++;
    counts.set(e.condition, c);
  }
  const levels: [string, EscalationLevel][] = [...counts].map(([condition, c]) => [condition, c.emergency > c.urgent ? 'emergency' : 'urgent']);
  const training: Example[] = examples.map((e) => ({ features: detectorFeatures(matcher, e.text), label: index.get(e.condition) ?? 0 }));
  return { labels, levels, softmax: new Softmax(labels.length, training).params() };
}

export class Detector implements RedFlagDetector {
  private readonly model: Softmax;
  private readonly labels: string[];
  private readonly levels: Map<string, EscalationLevel>;

  /** From training examples, or from a model trained before (`trainDetector`, the cache). */
  constructor(
    private readonly matcher: Matcher,
    source: readonly TrainingExample[] | DetectorModel,
    private readonly settings: DetectorSettings,
    /** The model was read from the cache rather than trained in this process. */
    readonly fromCache = false,
  ) {
    const model = 'softmax' in source ? source : trainDetector(matcher, source);
    this.labels = model.labels;
    this.levels = new Map(model.levels);
    this.model = new Softmax(model.labels.length, model.softmax);
  }

  detect(text: string): Detection {
    return this.detectAnalysed(this.matcher.analyse(text.slice(0, DETECTOR_CHARS)));
  }

  detectAnalysed(analysis: Analysis): Detection {
    const p = this.model.predict(featuresOf(analysis));
    let best = 1;
    for (let k = 2; k < p.length; k++) if ((p[k] ?? 0) > (p[best] ?? 0)) best = k;
    const probability = 1 - (p[0] ?? 0);
    const condition = this.labels[best] ?? 'none';
    const verdict = probability >= this.settings.escalate_at ? 'escalate' : probability >= this.settings.ask_at ? 'unsure' : 'none';
    const conditionProbability = p[best] ?? 0;
    const enoughAlone = analysis.tokens.filter((t) => t.word).length >= this.settings.alone_min_words && conditionProbability >= this.settings.alone_min_condition;
    return { verdict, probability, condition, conditionProbability, level: this.levels.get(condition) ?? 'urgent', enoughAlone };
  }
}

const CACHE_PREFIX = 'triage-detector-';

/**
 * The cache key: the training data, the red-flag concepts its features use, and the code of
 * triage, NLU (the model) and domain (the text clean-up). Any change trains again.
 */
function detectorCacheKey(dir: string): string {
  return filesHash([join(dir, 'detector', 'train.yaml'), join(dir, LEXICON_FILE)]) + codeHash(['triage', 'nlu', 'domain']).slice(0, 16);
}

function encode(model: DetectorModel): string {
  const { features, idf, weights, bias } = model.softmax;
  return JSON.stringify({ labels: model.labels, levels: model.levels, softmax: { features, idf: b64(idf), weights: b64(weights), bias: b64(bias) } });
}

/** A cached model, or null when its shape is not what this code writes. */
function decode(payload: string): DetectorModel | null {
  const p = JSON.parse(payload) as { labels?: unknown; levels?: unknown; softmax?: { features?: unknown; idf?: unknown; weights?: unknown; bias?: unknown } };
  if (!isStrings(p.labels) || !Array.isArray(p.levels) || !p.softmax || !isStrings(p.softmax.features)) return null;
  const levels = p.levels.filter((e): e is [string, EscalationLevel] => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && (e[1] === 'urgent' || e[1] === 'emergency'));
  if (levels.length !== p.levels.length) return null;
  const k = p.labels.length;
  const n = p.softmax.features.length;
  const idf = floats(p.softmax.idf, n);
  const weights = floats(p.softmax.weights, n * k);
  const bias = floats(p.softmax.bias, k);
  if (!idf || !weights || !bias) return null;
  return { labels: p.labels, levels, softmax: { features: p.softmax.features, idf, weights, bias } };
}

/**
 * The detector for the data in `dir`. With `cacheDir`, its trained model is kept there
 * and reused while nothing it depends on has changed (about 2 s of start-up saved);
 * an unreadable or corrupt file is ignored and the model trained again. `matcher`: the
 * lexicon's compiled matcher when the caller has one already (loadTriage shares it).
 */
export function loadDetector(lexicon: Lexicon, dir = 'triage', cacheDir?: string, matcher = new Matcher(lexicon)): Detector {
  const settings = loadDetectorSettings(dir);
  if (!cacheDir) return new Detector(matcher, loadTrainingExamples(dir), settings);
  const key = detectorCacheKey(dir);
  const payload = readCacheFile(cacheDir, CACHE_PREFIX, key);
  const cached = payload === null ? null : decode(payload);
  if (cached) return new Detector(matcher, cached, settings, true);
  const model = trainDetector(matcher, loadTrainingExamples(dir));
  writeCacheFile(cacheDir, CACHE_PREFIX, key, encode(model));
  return new Detector(matcher, model, settings);
}
