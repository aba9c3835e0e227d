/**
 * Intent models on sparse n-gram features.
 *
 * - `featurize`: Porter stems → unigram and bigram features (stop words kept in bigrams, so
 *   "how long" and "at night" survive).
 * - `NaiveBayes`: multinomial naive Bayes with Laplace smoothing and uniform class priors.
 * - `Softmax`: multinomial logistic regression on idf-weighted, L2-normalised features,
 *   trained with SGD (seeded, deterministic).
 * - `Ensemble`: a log-linear blend of the two, calibrated by a temperature.
 *
 * All of them score only the features present in a message, so classification is fast.
 */

import { conceptsOf, isOffBody } from './concepts';

export interface Example {
  features: string[];
  label: number;
}

/** Probability per class, same order as the model's `labels`. */
export type Distribution = Float64Array;

export interface ProbModel {
  readonly name: string;
  /** Unnormalised log-probabilities (logits) per class; softmax of these is `predict`. */
  logits(features: readonly string[]): Float64Array;
  predict(features: readonly string[]): Distribution;
}

/** Function words: no unigram feature of their own (they still make bigrams). */
export const STOP: ReadonlySet<string> = new Set([
  'i', 'me', 'my', 'a', 'an', 'the', 'is', 'am', 'are', 'be', 'to', 'of', 'in', 'on', 'and', 'it', 'do', 'so', 'that',
  'thi', 'just', 'some', 'have', 'ha', 'been', 'was', 'for', 'at', 'with', 'or', 'but', 'get', 'got', 'feel', 'realli', 'veri',
]);

export interface FeatureOptions {
  bigrams: boolean;
  dropStopUnigrams: boolean;
  /** Add one `#concept` feature per keyword concept mentioned (see concepts.ts). */
  concepts: boolean;
}

export const DEFAULT_FEATURES: FeatureOptions = { bigrams: true, dropStopUnigrams: true, concepts: true };

export function featurize(stems: readonly string[], opts: FeatureOptions = DEFAULT_FEATURES): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (f: string): void => {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  for (const [i, s] of stems.entries()) {
    const next = stems[i + 1];
    if (!(opts.dropStopUnigrams && STOP.has(s))) push(s);
    if (opts.bigrams && next !== undefined) push(`${s}_${next}`);
    if (opts.concepts) for (const c of conceptsOf(s) ?? []) push(`#${c}`);
  }
  if (opts.concepts && isOffBody(seen)) push('#offbody');
  // a message made only of stop words ("how are you") keeps its words
  if (out.length === 0 || (opts.dropStopUnigrams && out.every((f) => f.includes('_') || f.startsWith('#')))) for (const s of stems) push(s);
  return out;
}

function softmaxInPlace(v: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const e = Math.exp(((v[i] ?? 0) - max) / temperature);
    v[i] = e;
    sum += e;
  }
  for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / sum;
  return v;
}

function logSumExp(v: Float64Array): number {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  for (const x of v) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

/** A trained naive Bayes: `logLik` is [feature][class], row-major, in `features` order. */
export interface NaiveBayesParams {
  features: string[];
  logLik: Float64Array;
}

/** Multinomial naive Bayes over binary features, uniform priors. */
export class NaiveBayes implements ProbModel {
  readonly name = 'naive-bayes';
  /** feature → log P(feature | class) per class */
  private readonly logLik = new Map<string, Float64Array>();

  /** Trains on `examples`, or takes the parameters of a model trained before (see `params()`). */
  constructor(
    private readonly nClasses: number,
    source: readonly Example[] | NaiveBayesParams,
    private readonly alpha = 0.1,
    private readonly temperature = 1,
  ) {
    if ('logLik' in source) {
      source.features.forEach((f, i) => this.logLik.set(f, source.logLik.subarray(i * nClasses, (i + 1) * nClasses)));
      return;
    }
    const examples = source;
    const counts = new Map<string, Float64Array>();
    const totals = new Float64Array(nClasses);
    for (const ex of examples) {
      for (const f of ex.features) {
        let c = counts.get(f);
        if (!c) counts.set(f, (c = new Float64Array(nClasses)));
        c[ex.label] = (c[ex.label] ?? 0) + 1;
        totals[ex.label] = (totals[ex.label] ?? 0) + 1;
      }
    }
    const v = counts.size;
    for (const [f, c] of counts) {
      this.logLik.set(f, c.map((count, k) => Math.log((count + this.alpha) / ((totals[k] ?? 0) + this.alpha * v))));
    }
  }

  params(): NaiveBayesParams {
    const rows = [...this.logLik];
    const logLik = new Float64Array(rows.length * this.nClasses);
    rows.forEach(([, ll], i) => logLik.set(ll, i * this.nClasses));
    return { features: rows.map(([f]) => f), logLik };
  }

  logits(features: readonly string[]): Float64Array {
    const s = new Float64Array(this.nClasses);
    const inv = 1 / this.temperature;
    for (const f of features) {
      const ll = this.logLik.get(f);
      if (!ll) continue;
      for (let k = 0; k < this.nClasses; k++) s[k] = (s[k] ?? 0) + (ll[k] ?? 0) * inv;
    }
    return s;
  }

  predict(features: readonly string[]): Distribution {
    return softmaxInPlace(this.logits(features));
  }
}

/** Softmax of logits at a temperature (> 1 flattens the distribution). */
export function softmaxAt(logits: Float64Array, temperature: number): Distribution {
  return softmaxInPlace(logits, temperature);
}

/** Small seeded PRNG (mulberry32) so training is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SoftmaxOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export const DEFAULT_SOFTMAX: SoftmaxOptions = { epochs: 20, learningRate: 0.8, l2: 1e-4, seed: 7 };

/** A trained logistic regression: `weights` is [feature][class], row-major, in `features` order. */
export interface SoftmaxParams {
  features: string[];
  idf: Float64Array;
  weights: Float64Array;
  bias: Float64Array;
}

/** Multinomial logistic regression with idf-weighted, L2-normalised binary features. */
export class Softmax implements ProbModel {
  readonly name = 'logistic-regression';
  private readonly index = new Map<string, number>();
  private readonly idf: Float64Array;
  private readonly weights: Float64Array; // [feature][class]
  private readonly bias: Float64Array;

  /** Trains on `examples`, or takes the parameters of a model trained before (see `params()`). */
  constructor(
    private readonly nClasses: number,
    source: readonly Example[] | SoftmaxParams,
    opts: SoftmaxOptions = DEFAULT_SOFTMAX,
  ) {
    if ('weights' in source) {
      source.features.forEach((f, i) => this.index.set(f, i));
      this.idf = source.idf;
      this.weights = source.weights;
      this.bias = source.bias;
      return;
    }
    const examples = source;
    const df: number[] = [];
    for (const ex of examples) {
      for (const f of ex.features) {
        let i = this.index.get(f);
        if (i === undefined) {
          i = this.index.size;
          this.index.set(f, i);
          df.push(0);
        }
        df[i] = (df[i] ?? 0) + 1;
      }
    }
    const n = examples.length;
    this.idf = Float64Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1);
    this.weights = new Float64Array(this.index.size * nClasses);
    this.bias = new Float64Array(nClasses);
    const vecs = examples.map((ex) => this.vectorize(ex.features));
    const order = examples.map((_, i) => i);
    const rand = rng(opts.seed);
    const p = new Float64Array(nClasses);
    const W = this.weights;
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        const a = order[i];
        const b = order[j];
        if (a === undefined || b === undefined) continue; // j <= i < length: never
        order[i] = b;
        order[j] = a;
      }
      const lr = opts.learningRate / (1 + epoch * 0.1);
      const decay = 1 - lr * opts.l2;
      for (const idx of order) {
        const vec = vecs[idx];
        const example = examples[idx];
        if (!vec || !example) continue; // order holds indexes of examples: never
        const [fi, fv] = vec;
        this.scoresInto(fi, fv, p);
        softmaxInPlace(p);
        p[example.label] = (p[example.label] ?? 0) - 1; // gradient of cross-entropy wrt scores
        for (let a = 0; a < fi.length; a++) {
          const base = (fi[a] ?? 0) * nClasses;
          const x = fv[a] ?? 0;
          for (let k = 0; k < nClasses; k++) W[base + k] = (W[base + k] ?? 0) * decay - lr * (p[k] ?? 0) * x;
        }
        for (let k = 0; k < nClasses; k++) this.bias[k] = (this.bias[k] ?? 0) - lr * 0.1 * (p[k] ?? 0);
      }
    }
  }

  params(): SoftmaxParams {
    return { features: [...this.index.keys()], idf: this.idf, weights: this.weights, bias: this.bias };
  }

  private vectorize(features: readonly string[]): [Int32Array, Float64Array] {
    const idx: number[] = [];
    for (const f of features) {
      const i = this.index.get(f);
      if (i !== undefined) idx.push(i);
    }
    const fi = Int32Array.from(idx);
    const fv = Float64Array.from(idx, (i) => this.idf[i] ?? 0);
    let norm = 0;
    for (const x of fv) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (let a = 0; a < fv.length; a++) fv[a] = (fv[a] ?? 0) / norm;
    return [fi, fv];
  }

  private scoresInto(fi: Int32Array, fv: Float64Array, out: Float64Array): void {
    const K = this.nClasses;
    out.set(this.bias);
    for (let a = 0; a < fi.length; a++) {
      const base = (fi[a] ?? 0) * K;
      const x = fv[a] ?? 0;
      for (let k = 0; k < K; k++) out[k] = (out[k] ?? 0) + (this.weights[base + k] ?? 0) * x;
    }
  }

  logits(features: readonly string[]): Float64Array {
    const K = this.nClasses;
    const out = this.bias.slice();
    // each feature looked up once (the features are new strings on every message: a look-up hashes them)
    const known: number[] = [];
    let norm = 0;
    for (const f of features) {
      const i = this.index.get(f);
      const w = i === undefined ? undefined : this.idf[i];
      if (i === undefined || w === undefined) continue;
      norm += w * w;
      known.push(i);
    }
    if (norm === 0) return out;
    const inv = 1 / Math.sqrt(norm);
    for (const i of known) {
      const x = (this.idf[i] as number) * inv;
      const base = i * K;
      for (let k = 0; k < K; k++) out[k] = (out[k] ?? 0) + (this.weights[base + k] ?? 0) * x;
    }
    return out;
  }

  predict(features: readonly string[]): Distribution {
    return softmaxInPlace(this.logits(features));
  }
}

/** Log-linear blend of probability models: p ∝ Π p_i^(w_i / T). */
export class Ensemble implements ProbModel {
  readonly name: string;
  constructor(
    private readonly parts: readonly { model: ProbModel; weight: number }[],
    private readonly temperature = 1,
  ) {
    this.name = `ensemble(${parts.map((p) => p.model.name).join('+')})`;
  }

  /** Σ w_i · log softmax(logits_i) / T */
  logits(features: readonly string[]): Float64Array {
    let acc: Float64Array | null = null;
    for (const { model, weight } of this.parts) {
      const z = model.logits(features);
      if (!acc) acc = new Float64Array(z.length);
      const lse = logSumExp(z);
      for (let k = 0; k < z.length; k++) acc[k] = (acc[k] ?? 0) + (weight * ((z[k] ?? 0) - lse)) / this.temperature;
    }
    return acc ?? new Float64Array(0);
  }

  predict(features: readonly string[]): Distribution {
    return softmaxInPlace(this.logits(features));
  }
}
