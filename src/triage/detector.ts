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
  keep_rules_level_with: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).default([]),
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
  /**
   * The detector may raise the rules' urgent to its emergency: false when the message holds one
   * of the settings' `keep_rules_level_with` concepts, such as a course told as gradual ("came on
   * slowly", "over the last six weeks"), which the rules have already weighed.
   */
  mayRaise: boolean;
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

/** Features: stems, stem bigrams, and each concept found (but those marked `detector: false`), marked when negated. */
export function detectorFeatures(matcher: Matcher, text: string): string[] {
  return featuresOf(matcher.analyse(text.slice(0, DETECTOR_CHARS)), matcher.hiddenFromDetector);
}

/** The same features from an analysis of the message's first DETECTOR_CHARS characters. */
export function featuresOf(a: Analysis, hidden: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  const words = a.tokens.filter((t) => t.word).map((t) => t.stem);
  words.forEach((s, i) => {
    if (!STOP.has(s)) out.add(s);
    const next = words[i + 1];
    if (next !== undefined) out.add(`${s}_${next}`);
  });
  for (const o of a.occurrences) if (!hidden.has(o.concept) && !o.inStory) out.add(o.negated ? `!${o.concept}` : `#${o.concept}`);
  return [...out];
}

/**
 * What training produces: the labels (`none` first, then one per condition and level that
 * the examples carry: `neuro_deficit/urgent`, `neuro_deficit/emergency`…) and the model.
 * A message's level is learnt from examples like it, not fixed per condition: a foot drop
 * that came on over weeks is urgent, a sudden one an emergency.
 */
export interface DetectorModel {
  labels: string[];
  softmax: SoftmaxParams;
}

const labelOf = (e: TrainingExample): string => (e.level === 'none' ? 'none' : `${e.condition}/${e.level}`);
const LABEL = /^([a-z][a-z0-9_]*)\/(urgent|emergency)$/;

/** Each label after `none` as its condition and level; null when the labels are not what trainDetector writes. */
function classesOf(labels: readonly string[]): { condition: string; level: EscalationLevel }[] | null {
  if (labels[0] !== 'none') return null;
  const classes: { condition: string; level: EscalationLevel }[] = [];
  for (const label of labels.slice(1)) {
    const m = LABEL.exec(label);
    if (!m) return null;
    classes.push({ condition: m[1] as string, level: m[2] as EscalationLevel });
  }
  return classes;
}

/** Trains the detector's model on `examples`. */
export function trainDetector(matcher: Matcher, examples: readonly TrainingExample[]): DetectorModel {
  const labels = ['none', ...new Set(examples.map(labelOf).filter((l) => l !== 'none'))];
  const index = new Map(labels.map((l, i) => [l, i]));
  const training: Example[] = examples.map((e) => ({ features: detectorFeatures(matcher, e.text), label: index.get(labelOf(e)) ?? 0 }));
  return { labels, softmax: new Softmax(labels.length, training).params() };
}

export class Detector implements RedFlagDetector {
  private readonly model: Softmax;
  /** The conditions the labels name, each once. */
  private readonly conditions: string[];
  /** Per label after `none`: the index of its condition in `conditions`, and its level. */
  private readonly classes: { condition: number; level: EscalationLevel }[];

  /** From training examples, or from a model trained before (`trainDetector`, the cache). */
  constructor(
    private readonly matcher: Matcher,
    source: readonly TrainingExample[] | DetectorModel,
    private readonly settings: DetectorSettings,
    /** The model was read from the cache rather than trained in this process. */
    readonly fromCache = false,
  ) {
    const model = 'softmax' in source ? source : trainDetector(matcher, source);
    const classes = classesOf(model.labels);
    if (!classes) throw new Error(`triage detector: labels ${JSON.stringify(model.labels)} are not "none" followed by "condition/urgent" or "condition/emergency"`);
    this.conditions = [...new Set(classes.map((c) => c.condition))];
    this.classes = classes.map((c) => ({ condition: this.conditions.indexOf(c.condition), level: c.level }));
    this.model = new Softmax(model.labels.length, model.softmax);
  }

  detect(text: string): Detection {
    return this.detectAnalysed(this.matcher.analyse(text.slice(0, DETECTOR_CHARS)));
  }

  detectAnalysed(analysis: Analysis): Detection {
    const p = this.model.predict(featuresOf(analysis, this.matcher.hiddenFromDetector));
    const probability = 1 - (p[0] ?? 0);
    // The most likely condition (its levels' probabilities summed), at its more likely level.
    const sums = new Array<number>(this.conditions.length).fill(0);
    const levelP = new Array<number>(this.conditions.length).fill(-1);
    const levels = new Array<EscalationLevel>(this.conditions.length).fill('urgent');
    this.classes.forEach(({ condition, level }, k) => {
      const pk = p[k + 1] ?? 0;
      sums[condition] = (sums[condition] ?? 0) + pk;
      if (pk > (levelP[condition] ?? -1)) {
        levelP[condition] = pk;
        levels[condition] = level;
      }
    });
    let best = 0;
    for (let c = 1; c < sums.length; c++) if ((sums[c] ?? 0) > (sums[best] ?? 0)) best = c;
    const condition = this.conditions[best] ?? 'none';
    const verdict = probability >= this.settings.escalate_at ? 'escalate' : probability >= this.settings.ask_at ? 'unsure' : 'none';
    const conditionProbability = sums[best] ?? 0;
    const enoughAlone = analysis.tokens.filter((t) => t.word).length >= this.settings.alone_min_words && conditionProbability >= this.settings.alone_min_condition;
    const mayRaise = !analysis.occurrences.some((o) => !o.negated && this.settings.keep_rules_level_with.includes(o.concept));
    return { verdict, probability, condition, conditionProbability, level: levels[best] ?? 'urgent', enoughAlone, mayRaise };
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
  return JSON.stringify({ labels: model.labels, softmax: { features, idf: b64(idf), weights: b64(weights), bias: b64(bias) } });
}

/** A cached model, or null when its shape is not what this code writes. */
function decode(payload: string): DetectorModel | null {
  const p = JSON.parse(payload) as { labels?: unknown; softmax?: { features?: unknown; idf?: unknown; weights?: unknown; bias?: unknown } };
  if (!isStrings(p.labels) || !p.softmax || !isStrings(p.softmax.features)) return null;
  if (classesOf(p.labels) === null) return null;
  const k = p.labels.length;
  const n = p.softmax.features.length;
  const idf = floats(p.softmax.idf, n);
  const weights = floats(p.softmax.weights, n * k);
  const bias = floats(p.softmax.bias, k);
  if (!idf || !weights || !bias) return null;
  return { labels: p.labels, softmax: { features: p.softmax.features, idf, weights, bias } };
}

/**
 * The detector for the data in `dir`. With `cacheDir`, its trained model is kept there
 * and reused while nothing it depends on has changed (about 2 s of start-up saved);
 * an unreadable or corrupt file is ignored and the model trained again. `matcher`: the
 * lexicon's compiled matcher when the caller has one already (loadTriage shares it).
 */
export function loadDetector(lexicon: Lexicon, dir = 'triage', cacheDir?: string, matcher = new Matcher(lexicon)): Detector {
  const settings = loadDetectorSettings(dir);
  const unknown = settings.keep_rules_level_with.filter((c) => !lexicon.concepts.some((k) => k.id === c));
  if (unknown.length) throw new Error(`${join(dir, 'detector', 'settings.yaml')}: keep_rules_level_with names concepts the lexicon does not have: ${unknown.join(', ')}`);
  if (!cacheDir) return new Detector(matcher, loadTrainingExamples(dir), settings);
  const key = detectorCacheKey(dir);
  const payload = readCacheFile(cacheDir, CACHE_PREFIX, key);
  const cached = payload === null ? null : decode(payload);
  if (cached) return new Detector(matcher, cached, settings, true);
  const model = trainDetector(matcher, loadTrainingExamples(dir));
  writeCacheFile(cacheDir, CACHE_PREFIX, key, encode(model));
  return new Detector(matcher, model, settings);
}
