/**
 * The trained intent model, kept in a file so that a start does not train again (a few
 * hundred ms of start-up) while nothing it was trained from has changed.
 *
 * The file is named after a SHA-256 key over everything training depends on: the intent
 * files (names and bytes, the same files `loadTrainingData` reads), the word variants
 * (intents/vocabulary/), every file of the NLU
 * code (this folder) and of src/domain/ (where stemming and word distances live), the
 * version of `natural` (stemmer, distances), the recognizer options
 * and the byte order. Editing `intents/*.yaml` or the NLU code therefore trains again on the
 * next start, with no code change. The file carries a SHA-256 of its own content; a file that
 * cannot be read, is truncated, fails that check or does not have the expected shape is
 * ignored, and the model is trained and the file written again. Writing is best effort
 * (a read-only folder only costs the training) and atomic (temp file + rename), so instances
 * starting together never read half a file. The newest few files are kept, older ones removed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { RecognizerOptions, RecognizerSnapshot } from './recognizer';
import { REVIEWED_DIR } from './trainingData';
import { VARIANTS_FILE, VOCABULARY_DIR } from './variants';
import { CODE_DIR } from '../paths';

const MAGIC = 'calfbot-nlu-model 1';
const PREFIX = 'nlu-model-';
/** Cache files kept per kind (e.g. one for src/ under tsx and one for dist/). */
const KEEP = 4;

const folderHashes = new Map<string, string>();
let naturalVersion: string | null = null;

/** Hash of the files in one code folder (relative to src/, or dist/ when built); read once per process. */
function folderHash(folder: string): string {
  const known = folderHashes.get(folder);
  if (known) return known;
  const h = createHash('sha256');
  const dir = path.join(CODE_DIR, folder);
  for (const f of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, f);
    if (!fs.statSync(full).isFile()) continue;
    h.update(`${f}\0`).update(fs.readFileSync(full)).update('\0');
  }
  const digest = h.digest('hex');
  folderHashes.set(folder, digest);
  return digest;
}

function naturalPackageVersion(): string {
  if (naturalVersion !== null) return naturalVersion;
  try {
    const pkg = createRequire(__filename).resolve('natural/package.json');
    naturalVersion = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    naturalVersion = '?';
  }
  return naturalVersion;
}

/**
 * Hash of the code in the given folders (relative to src/, or dist/ when built) and of
 * natural's version. Each folder is read once per process, however many models (the intent
 * recognizer, the red-flag detector) ask. A model trained by other code is never reused.
 */
export function codeHash(folders: readonly string[]): string {
  const h = createHash('sha256');
  for (const folder of folders) h.update(`${folder}\0${folderHash(folder)}\0`);
  return h.update(`natural ${naturalPackageVersion()}`).digest('hex');
}

/** Hash of the files `files` (names and bytes), in the given order. */
export function filesHash(files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${path.basename(f)}\0`).update(fs.readFileSync(f)).update('\0');
  return h.digest('hex');
}

/** The cache key of a training run, or null when the intents folder cannot be read (training will report it). */
export function modelCacheKey(intentsDir: string, options: RecognizerOptions): string | null {
  try {
    const h = createHash('sha256');
    h.update(`${MAGIC}\0${codeHash(['nlu', 'domain'])}\0${JSON.stringify(options)}\0${os.endianness()}\0`);
    const files = fs.readdirSync(intentsDir).filter((f) => /\.ya?ml$/.test(f)).sort();
    for (const f of files) h.update(`${f}\0`).update(fs.readFileSync(path.join(intentsDir, f))).update('\0');
    // Staff-reviewed utterances (intents/reviewed/) are training data too, and the word variants
    // (intents/vocabulary/) decide the words every utterance is trained on.
    for (const [sub, dir] of [[REVIEWED_DIR, path.join(intentsDir, REVIEWED_DIR)], [VOCABULARY_DIR, path.dirname(VARIANTS_FILE)]] as const) {
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) h.update(`${sub}/${f}\0`).update(fs.readFileSync(path.join(dir, f))).update('\0');
    }
    return h.digest('hex');
  } catch {
    return null;
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const fileFor = (dir: string, prefix: string, key: string): string => path.join(dir, `${prefix}${key.slice(0, 32)}.json`);

export const b64 = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** Float64Array from base64, or null unless it has exactly `length` entries. */
export function floats(s: unknown, length: number): Float64Array | null {
  if (typeof s !== 'string') return null;
  const b = Buffer.from(s, 'base64');
  if (b.byteLength !== length * 8) return null;
  const out = new Float64Array(length);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((v) => typeof v === 'string');

interface StoredParams {
  features?: unknown;
  logLik?: unknown;
  idf?: unknown;
  weights?: unknown;
  bias?: unknown;
}

/** Parses and checks a payload; null on any mismatch. */
function decode(payload: string, key: string): RecognizerSnapshot | null {
  const p = JSON.parse(payload) as { key?: unknown; labels?: unknown; vocab?: unknown; naiveBayes?: StoredParams; softmax?: StoredParams };
  if (p.key !== key || !isStrings(p.labels) || !Array.isArray(p.vocab)) return null;
  const k = p.labels.length;
  if (!p.vocab.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'number')) return null;
  const snap: RecognizerSnapshot = { labels: p.labels, vocab: p.vocab as [string, number][] };
  if (p.naiveBayes) {
    const { features, logLik } = p.naiveBayes;
    if (!isStrings(features)) return null;
    const ll = floats(logLik, features.length * k);
    if (!ll) return null;
    snap.naiveBayes = { features, logLik: ll };
  }
  if (p.softmax) {
    const { features, idf, weights, bias } = p.softmax;
    if (!isStrings(features)) return null;
    const i = floats(idf, features.length);
    const w = floats(weights, features.length * k);
    const b = floats(bias, k);
    if (!i || !w || !b) return null;
    snap.softmax = { features, idf: i, weights: w, bias: b };
  }
  return snap;
}

/** The cached model for `key`, or null (missing, unreadable, corrupt or another key). */
export function readCachedModel(dir: string, key: string): RecognizerSnapshot | null {
  const payload = readCacheFile(dir, PREFIX, key);
  return payload === null ? null : decode(payload, key);
}

/** Writes the model for `key` (atomically; best effort). Returns whether it was written. */
export function writeCachedModel(dir: string, key: string, snap: RecognizerSnapshot): boolean {
  return writeCacheFile(dir, PREFIX, key, JSON.stringify({
    key,
    labels: snap.labels,
    vocab: snap.vocab,
    naiveBayes: snap.naiveBayes && { features: snap.naiveBayes.features, logLik: b64(snap.naiveBayes.logLik) },
    softmax: snap.softmax && { features: snap.softmax.features, idf: b64(snap.softmax.idf), weights: b64(snap.softmax.weights), bias: b64(snap.softmax.bias) },
  }));
}

/**
 * The payload of the cache file `<prefix><key>.json` in `dir`, or null when it is missing,
 * unreadable or fails its checksum. Any trained model (the intent recognizer, the red-flag
 * detector) is cached this way; the caller checks the payload's shape.
 */
export function readCacheFile(dir: string, prefix: string, key: string): string | null {
  try {
    const text = fs.readFileSync(fileFor(dir, prefix, key), 'utf8');
    const nl = text.indexOf('\n');
    if (nl < 0) return null;
    const payload = text.slice(nl + 1);
    if (text.slice(0, nl) !== `${MAGIC} ${sha256(payload)}`) return null;
    return payload;
  } catch {
    return null;
  }
}

/** Writes `payload` as `<prefix><key>.json` (atomically; best effort) and prunes old files of that prefix. */
export function writeCacheFile(dir: string, prefix: string, key: string, payload: string): boolean {
  const file = fileFor(dir, prefix, key);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(tmp, `${MAGIC} ${sha256(payload)}\n${payload}`);
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
    return false;
  }
  prune(dir, prefix, file);
  return true;
}

/** Keeps the newest KEEP cache files (other intents or code versions), removes the rest and stale temp files. */
function prune(dir: string, prefix: string, keep: string): void {
  try {
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(prefix))
      .map((f) => path.join(dir, f))
      .filter((f) => f !== keep)
      .map((f) => ({ f, t: fs.statSync(f).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    const stale = Date.now() - 3_600_000;
    for (const { f } of files.filter((x) => x.f.endsWith('.tmp') && x.t < stale)) fs.rmSync(f, { force: true });
    for (const { f } of files.filter((x) => x.f.endsWith('.json')).slice(KEEP - 1)) fs.rmSync(f, { force: true });
  } catch {
    // another instance pruned at the same time, or the folder is read-only
  }
}
