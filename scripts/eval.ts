/**
 * `npm run eval`: how well the bot understands patients, and how safely it triages.
 *
 * - intent recognition on the held-out set (tests/data/heldout.yaml, never used for training):
 *   accuracy, macro-F1, per-intent precision/recall, most-confused pairs, and the share of
 *   messages answered / clarified / sent to fallback with the configured thresholds;
 * - the same on an independent paraphrase set (tests/data/paraphrases.yaml): written from the
 *   spec by someone who had not read the training utterances (slang, typos, fragments, long
 *   messages), the closest stand-in for how real patients type;
 * - out-of-scope safety: greetings, thanks, goodbyes and out-of-scope messages (both sets)
 *   never answered as a medical topic at or above the answer threshold;
 * - 5-fold cross-validation over the training utterances (generalisation to unseen wording);
 * - a threshold sweep on the cross-validation predictions (how the defaults were chosen);
 * - a classifier comparison (natural's BayesClassifier and LogisticRegressionClassifier, our
 *   naive Bayes, logistic regression, and their ensemble): accuracy, train time, utterances/s;
 * - red-flag triage over tests/data/triage-cases.yaml: escalation recall, emergency recall,
 *   false-escalation rate.
 *
 * Writes reports/eval.md and exits 1 when a target is missed (held-out and paraphrase accuracy
 * as reported by `classify` ≥ 95%, no social/out-of-scope message answered as a medical topic,
 * red-flag recall 100%, emergency recall 100%, false escalations ≤ 5%).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { loadLabelledCases, loadTrainingData, toExamples } from '../src/nlu/trainingData';
import type { IntentData } from '../src/nlu/trainingData';
import { CalfRecognizer, DEFAULT_OPTIONS } from '../src/nlu/recognizer';
import type { Classification, RecognizerOptions } from '../src/nlu/recognizer';
import { decideClassification, thresholdsFromEnv } from '../src/nlu/thresholds';
import type { Thresholds } from '../src/nlu/decision';
import { median } from './bench/stats';

const TARGETS = { accuracy: 0.95, paraphraseAccuracy: 0.95, escalationRecall: 1, emergencyRecall: 1, falseEscalation: 0.05 };
const INTENTS_DIR = 'intents';
const HELDOUT = 'tests/data/heldout.yaml';
const PARAPHRASES = 'tests/data/paraphrases.yaml';
/** Messages that must never be answered as a medical topic (the social intents, help aside, and out-of-scope). */
const NON_MEDICAL_GOLD = new Set(['greeting', 'goodbye', 'thanks', 'none']);
const NOT_MEDICAL_ANSWER = new Set(['greeting', 'goodbye', 'thanks', 'help', 'none']);
const TRIAGE_CASES = 'tests/data/triage-cases.yaml';
const REPORT = 'reports/eval.md';
const FOLDS = 5;

type Case = { text: string; intent: string };
type Pred = { gold: string; c: Classification };

const log = (msg: string): void => {
  process.stdout.write(`${msg}\n`);
};
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

// ---------------------------------------------------------------- metrics

interface Metrics {
  accuracy: number;
  macroF1: number;
  perIntent: { intent: string; precision: number; recall: number; f1: number; support: number }[];
  confused: { gold: string; predicted: string; count: number }[];
}

function metrics(pairs: { gold: string; predicted: string }[], labels: readonly string[]): Metrics {
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const conf = new Map<string, number>();
  let correct = 0;
  for (const { gold, predicted } of pairs) {
    if (gold === predicted) {
      correct++;
      tp.set(gold, (tp.get(gold) ?? 0) + 1);
    } else {
      fp.set(predicted, (fp.get(predicted) ?? 0) + 1);
      fn.set(gold, (fn.get(gold) ?? 0) + 1);
      const key = `${gold}\t${predicted}`;
      conf.set(key, (conf.get(key) ?? 0) + 1);
    }
  }
  const perIntent = labels.map((intent) => {
    const t = tp.get(intent) ?? 0;
    const p = t + (fp.get(intent) ?? 0) ? t / (t + (fp.get(intent) ?? 0)) : 0;
    const r = t + (fn.get(intent) ?? 0) ? t / (t + (fn.get(intent) ?? 0)) : 0;
    return { intent, precision: p, recall: r, f1: p + r ? (2 * p * r) / (p + r) : 0, support: t + (fn.get(intent) ?? 0) };
  });
  const withSupport = perIntent.filter((x) => x.support > 0);
  const macroF1 = withSupport.reduce((s, x) => s + x.f1, 0) / (withSupport.length || 1);
  const confused = [...conf]
    .map(([k, count]) => {
      const [gold, predicted] = k.split('\t') as [string, string];
      return { gold, predicted, count };
    })
    .sort((a, b) => b.count - a.count || a.gold.localeCompare(b.gold));
  return { accuracy: correct / (pairs.length || 1), macroF1, perIntent, confused };
}

/** Share answered / clarify / fallback, and how good the answers are. */
function decisions(preds: Pred[], t: Thresholds) {
  let answered = 0, clarify = 0, fallback = 0, answeredRight = 0, clarifyHit = 0, noneCases = 0, noneSafe = 0;
  let inScopeWrongAnswer = 0;
  for (const { gold, c } of preds) {
    const d = decideClassification(c, t);
    if (gold === 'none') {
      noneCases++;
      if (d.kind !== 'answer') noneSafe++;
    }
    if (d.kind === 'answer') {
      answered++;
      if (d.intent === gold) answeredRight++;
      else inScopeWrongAnswer++;
    } else if (d.kind === 'clarify') {
      clarify++;
      if (d.candidates.includes(gold)) clarifyHit++;
    } else fallback++;
  }
  const n = preds.length || 1;
  return {
    answered: answered / n,
    clarify: clarify / n,
    fallback: fallback / n,
    answerPrecision: answered ? answeredRight / answered : 1,
    clarifyHit: clarify ? clarifyHit / clarify : 1,
    wrongAnswers: inScopeWrongAnswer / n,
    noneNotAnswered: noneCases ? noneSafe / noneCases : 1,
  };
}

/**
 * Utility of a threshold setting, per message: a right answer +1; a wrong answer −3 (a
 * confident wrong reply misleads a patient); "Did you mean…?" +0.5 if the right intent is
 * offered, −0.5 if not; fallback for an in-scope message −0.5; fallback for out-of-scope +1.
 */
function utility(preds: Pred[], t: Thresholds): number {
  let u = 0;
  for (const { gold, c } of preds) {
    const d = decideClassification(c, t);
    if (d.kind === 'answer') u += d.intent === gold ? 1 : -3;
    else if (d.kind === 'clarify') u += gold !== 'none' && d.candidates.includes(gold) ? 0.5 : -0.5;
    else u += gold === 'none' ? 1 : -0.5;
  }
  return u / (preds.length || 1);
}

// ---------------------------------------------------------------- helpers

function folds(data: readonly IntentData[], k: number): { train: IntentData[]; test: Case[] }[] {
  const out: { train: IntentData[]; test: Case[] }[] = [];
  for (let f = 0; f < k; f++) {
    out.push({
      train: data.map((d) => ({ ...d, utterances: d.utterances.filter((_, i) => i % k !== f) })),
      test: data.flatMap((d) => d.utterances.filter((_, i) => i % k === f).map((text) => ({ text, intent: d.intent }))),
    });
  }
  return out;
}

function crossValidate(data: readonly IntentData[], opts: Partial<RecognizerOptions>): Pred[] {
  const preds: Pred[] = [];
  for (const { train, test } of folds(data, FOLDS)) {
    const r = new CalfRecognizer(train, opts);
    for (const c of test) preds.push({ gold: c.intent, c: r.classify(c.text) });
  }
  return preds;
}

const cpuMs = (since?: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

/**
 * Utterances per second of CPU time (one core: classification is synchronous and
 * single-threaded). CPU time rather than wall time, so other processes on a shared
 * machine do not distort the number; the wall-clock rate is returned too.
 */
function throughput(classify: (t: string) => unknown, texts: readonly string[], minMs = 400): { cpu: number; wall: number } {
  let n = 0;
  const start = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - start < minMs) for (const t of texts) {
    classify(t);
    n++;
  }
  return { cpu: n / (cpuMs(c0) / 1000), wall: n / ((performance.now() - start) / 1000) };
}

/** Train and measure CPU and wall time. */
function timedTrain(data: readonly IntentData[], opts: Partial<RecognizerOptions> = {}): { r: CalfRecognizer; cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const r = new CalfRecognizer(data, opts);
  return { r, cpu: cpuMs(c0), wall: r.trainMs };
}

const fmtRate = (x: number): string => (x >= 1000 ? `${Math.round(x).toLocaleString('en-GB')}` : x.toFixed(0));

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const lines: string[] = [];
  const md = (s = ''): void => {
    lines.push(s);
  };
  const failures: string[] = [];

  log('Loading training data and held-out set…');
  const data = loadTrainingData(INTENTS_DIR);
  const labels = data.map((d) => d.intent);
  const examples = toExamples(data);
  const heldout = loadLabelledCases(HELDOUT);
  const unknown = heldout.filter((c) => !labels.includes(c.intent));
  if (unknown.length) throw new Error(`${HELDOUT}: unknown intent(s) ${[...new Set(unknown.map((c) => c.intent))].join(', ')}`);
  const trainSet = new Set(examples.map((e) => e.text.toLowerCase().trim()));
  const leaked = heldout.filter((c) => trainSet.has(c.text.toLowerCase().trim()));
  log(`  ${examples.length} training utterances in ${data.length} intents; ${heldout.length} held-out cases${leaked.length ? ` (WARNING: ${leaked.length} also in training)` : ''}`);
  const paraphrases = loadLabelledCases(PARAPHRASES);
  const unknownP = paraphrases.filter((c) => !labels.includes(c.intent));
  if (unknownP.length) throw new Error(`${PARAPHRASES}: unknown intent(s) ${[...new Set(unknownP.map((c) => c.intent))].join(', ')}`);
  const heldSet = new Set(heldout.map((c) => c.text.toLowerCase().trim()));
  const leakedP = paraphrases.filter((c) => trainSet.has(c.text.toLowerCase().trim()) || heldSet.has(c.text.toLowerCase().trim()));
  log(`  ${paraphrases.length} independent paraphrase cases${leakedP.length ? ` (WARNING: ${leakedP.length} also in training or held-out)` : ''}`);

  const thresholds = thresholdsFromEnv();

  // --- the kept model
  log('Training the recognizer…');
  const runs = [0, 1, 2, 3, 4].map(() => timedTrain(data));
  const recognizer = runs[runs.length - 1]!.r;
  const trainMs = median(runs.map((x) => x.cpu));
  const trainWallMs = median(runs.map((x) => x.wall));
  const load = (await import('node:os')).loadavg()[0]!;

  log('Evaluating on the held-out set…');
  const heldPreds: Pred[] = heldout.map((c) => ({ gold: c.intent, c: recognizer.classify(c.text) }));
  const held = metrics(heldPreds.map((p) => ({ gold: p.gold, predicted: p.c.intent })), labels);
  const heldReported = metrics(
    heldPreds.map((p) => ({ gold: p.gold, predicted: decideClassification(p.c, thresholds).kind === 'fallback' ? 'none' : p.c.intent })),
    labels,
  );
  const heldDec = decisions(heldPreds, thresholds);

  log('Evaluating on the independent paraphrase set…');
  const paraPreds: Pred[] = paraphrases.map((c) => ({ gold: c.intent, c: recognizer.classify(c.text) }));
  const para = metrics(paraPreds.map((p) => ({ gold: p.gold, predicted: p.c.intent })), labels);
  const paraReported = metrics(
    paraPreds.map((p) => ({ gold: p.gold, predicted: decideClassification(p.c, thresholds).kind === 'fallback' ? 'none' : p.c.intent })),
    labels,
  );
  const paraDec = decisions(paraPreds, thresholds);

  // greetings, thanks, goodbyes and out-of-scope chatter answered as a medical topic
  const socialAnswered: { text: string; gold: string; intent: string; score: number }[] = [];
  let socialCases = 0;
  let socialMaxMedical = 0;
  for (const [cases, preds] of [[heldout, heldPreds], [paraphrases, paraPreds]] as const) {
    preds.forEach((p, i) => {
      if (!NON_MEDICAL_GOLD.has(p.gold)) return;
      socialCases++;
      const topMedical = p.c.ranked.find((r) => !NOT_MEDICAL_ANSWER.has(r.intent));
      if (topMedical) socialMaxMedical = Math.max(socialMaxMedical, topMedical.score);
      const d = decideClassification(p.c, thresholds);
      if (d.kind === 'answer' && !NOT_MEDICAL_ANSWER.has(d.intent)) socialAnswered.push({ text: cases[i]!.text, gold: p.gold, intent: d.intent, score: d.score });
    });
  }

  log(`Running ${FOLDS}-fold cross-validation over the training utterances…`);
  const cvPreds = crossValidate(data, {});
  const cv = metrics(cvPreds.map((p) => ({ gold: p.gold, predicted: p.c.intent })), labels);
  const cvDec = decisions(cvPreds, thresholds);

  log('Sweeping thresholds on the cross-validation predictions…');
  const sweep: { t: Thresholds; u: number }[] = [];
  for (let floor = 0.05; floor <= 0.5001; floor += 0.05)
    for (let answer = floor; answer <= 0.9001; answer += 0.05)
      for (const margin of [0, 0.05, 0.1, 0.15, 0.2])
        sweep.push({ t: { answer: +answer.toFixed(2), floor: +floor.toFixed(2), margin }, u: utility(cvPreds, { answer, floor, margin }) });
  sweep.sort((a, b) => b.u - a.u);
  const best = sweep[0]!;
  const configuredU = utility(cvPreds, thresholds);

  log('Speed…');
  const speedTexts = [...heldout.map((c) => c.text), ...examples.map((e) => e.text)];
  const uttPerSec = throughput((t) => recognizer.classify(t), speedTexts);
  const long = 'my calf hurts when i run and it is really tight '.repeat(120).slice(0, 5000);
  const longStart = performance.now();
  recognizer.classify(long);
  const longMs = performance.now() - longStart;

  // --- classifier comparison
  log('Comparing classifiers…');
  type Row = { name: string; held: number; para?: number; cv: string; trainMs: number; ups: number; note?: string };
  // natural's classifiers are timed by wall clock; CPU time is used for ours (see throughput()).
  const rows: Row[] = [];
  const ours: [string, Partial<RecognizerOptions>][] = [
    ['naive Bayes (ours, sparse, n-gram + concept features)', { model: 'naive-bayes' }],
    ['logistic regression (ours, SGD, tf-idf n-gram + concept features)', { model: 'logistic-regression' }],
    ['**ensemble NB + LR (kept)**', { model: 'ensemble' }],
    ['ensemble without concept features', { features: { ...DEFAULT_OPTIONS.features, concepts: false } }],
    ['ensemble without bigrams', { features: { ...DEFAULT_OPTIONS.features, bigrams: false } }],
    ['ensemble without spelling correction', { spelling: false }],
  ];
  for (const [name, opts] of ours) {
    const { r, cpu } = timedTrain(data, opts);
    const acc = metrics(heldout.map((c) => ({ gold: c.intent, predicted: r.classify(c.text).intent })), labels).accuracy;
    const paraAcc = metrics(paraphrases.map((c) => ({ gold: c.intent, predicted: r.classify(c.text).intent })), labels).accuracy;
    const cvp = crossValidate(data, opts);
    const cvAcc = metrics(cvp.map((p) => ({ gold: p.gold, predicted: p.c.intent })), labels).accuracy;
    const coarse = sweep.filter((x) => Math.round(x.t.answer * 100) % 10 === 0 && Math.round(x.t.floor * 100) % 10 === 0 && x.t.margin % 0.1 === 0);
    const bestU = Math.max(...coarse.map((x) => utility(cvp, x.t)));
    rows.push({ name, held: acc, para: paraAcc, cv: pct(cvAcc), trainMs: cpu, ups: throughput((t) => r.classify(t), speedTexts, 300).cpu, note: `CV utility ${utility(cvp, thresholds).toFixed(3)} at the configured thresholds (best on a coarse grid ${bestU.toFixed(3)})` });
    log(`  ${name}: held-out ${pct(acc)}, paraphrases ${pct(paraAcc)}, CV ${pct(cvAcc)}`);
  }
  // natural's classifiers, through its public entry. That entry also loads natural's storage
  // back-ends (2–3 s, and dotenv, which would print to stdout): fine for this script, which is
  // why src/ imports only natural's stemmer and distances (src/domain/text.ts says more).
  process.env.DOTENV_CONFIG_QUIET ??= 'true';
  const { BayesClassifier, LogisticRegressionClassifier } = (await import('natural')).default;
  {
    // natural's BayesClassifier on raw text (its own tokenizer + Porter stemmer)
    const c0 = process.cpuUsage();
    const nb = new BayesClassifier();
    for (const e of examples) nb.addDocument(e.text, e.intent);
    nb.train();
    const tMs = cpuMs(c0);
    const acc = metrics(heldout.map((c) => ({ gold: c.intent, predicted: nb.classify(c.text) })), labels).accuracy;
    const paraAcc = metrics(paraphrases.map((c) => ({ gold: c.intent, predicted: nb.classify(c.text) })), labels).accuracy;
    const c1 = process.cpuUsage();
    for (const c of heldout) nb.classify(c.text);
    rows.push({ name: "natural BayesClassifier (raw text, natural's tokenizer/stemmer)", held: acc, para: paraAcc, cv: 'not run (slow)', trainMs: tMs, ups: heldout.length / (cpuMs(c1) / 1000) });
    log(`  natural BayesClassifier: held-out ${pct(acc)}`);
  }
  {
    // natural's LogisticRegressionClassifier: its gradient descent is dense and far too slow for the
    // whole corpus (> 10 minutes, stopped), so it is trained on the first 4 utterances per intent.
    const per = 4;
    const c0 = process.cpuUsage();
    const lr = new LogisticRegressionClassifier();
    for (const d of data) for (const u of d.utterances.slice(0, per)) lr.addDocument(u, d.intent);
    lr.train();
    const tMs = cpuMs(c0);
    const acc = metrics(heldout.map((c) => ({ gold: c.intent, predicted: lr.classify(c.text) })), labels).accuracy;
    const c1 = process.cpuUsage();
    for (const c of heldout) lr.classify(c.text);
    const ups = heldout.length / (cpuMs(c1) / 1000);
    // same subset for our ensemble, for a fair comparison
    const sub = data.map((d) => ({ ...d, utterances: d.utterances.slice(0, per) }));
    const rs = new CalfRecognizer(sub);
    const accOurs = metrics(heldout.map((c) => ({ gold: c.intent, predicted: rs.classify(c.text).intent })), labels).accuracy;
    rows.push({
      name: `natural LogisticRegressionClassifier (only ${per} utterances/intent)`,
      held: acc,
      cv: 'not run (slow)',
      trainMs: tMs,
      ups,
      note: `full corpus did not finish in 10 min; our ensemble on the same ${per}/intent subset: ${pct(accOurs)}`,
    });
    log(`  natural LogisticRegressionClassifier (${per}/intent): held-out ${pct(acc)} in ${(tMs / 1000).toFixed(1)} s`);
  }

  // --- triage
  log('Red-flag triage…');
  type TriageOut = { skipped: string } | { n: number; escalationRecall: number; emergencyRecall: number; falseEscalation: number; misses: string[]; falseAlarms: string[]; counts: Record<string, number> };
  let triage: TriageOut;
  if (!fs.existsSync(TRIAGE_CASES)) {
    triage = { skipped: `${TRIAGE_CASES} not found: triage metrics not computed.` };
  } else {
    // The brief's format is `cases: [{text, expected}]`; the triage table groups cases in
    // several top-level lists (e.g. `red_flags`, `benign`) with `expect`. Accept both.
    const item = z
      .object({ text: z.string(), expected: z.enum(['none', 'urgent', 'emergency']).optional(), expect: z.enum(['none', 'urgent', 'emergency']).optional() })
      .passthrough()
      .refine((c) => (c.expected ?? c.expect) !== undefined, { message: 'needs expected: none|urgent|emergency' });
    const schema = z.object({ version: z.literal(1) }).catchall(z.array(item));
    const parsed = schema.safeParse(YAML.parse(fs.readFileSync(TRIAGE_CASES, 'utf8')));
    if (!parsed.success) throw new Error(`${TRIAGE_CASES}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const triageCases = Object.entries(parsed.data)
      .filter(([k]) => k !== 'version')
      .flatMap(([, v]) => (Array.isArray(v) ? v : []))
      .map((c) => ({ text: c.text, expected: (c.expected ?? c.expect)! }));
    if (!triageCases.length) throw new Error(`${TRIAGE_CASES}: no cases`);
    const { loadTriage } = await import('../src/triage');
    const tri = loadTriage();
    let esc = 0, escHit = 0, em = 0, emHit = 0, nonEsc = 0, falseEsc = 0;
    const misses: string[] = [];
    const falseAlarms: string[] = [];
    const counts: Record<string, number> = { none: 0, urgent: 0, emergency: 0 };
    for (const c of triageCases) {
      const got = tri.assess(c.text).level;
      counts[c.expected] = (counts[c.expected] ?? 0) + 1;
      if (c.expected !== 'none') {
        esc++;
        if (got !== 'none') escHit++;
        else misses.push(`${c.expected}: ${c.text}`);
      } else {
        nonEsc++;
        if (got !== 'none') {
          falseEsc++;
          falseAlarms.push(`${got}: ${c.text}`);
        }
      }
      if (c.expected === 'emergency') {
        em++;
        if (got === 'emergency') emHit++;
        else if (got !== 'none') misses.push(`emergency→${got}: ${c.text}`);
      }
    }
    triage = {
      n: triageCases.length,
      escalationRecall: esc ? escHit / esc : 1,
      emergencyRecall: em ? emHit / em : 1,
      falseEscalation: nonEsc ? falseEsc / nonEsc : 0,
      misses,
      falseAlarms,
      counts,
    };
  }

  // --- targets
  if (held.accuracy < TARGETS.accuracy) failures.push(`held-out intent accuracy ${pct(held.accuracy)} < ${pct(TARGETS.accuracy)}`);
  if (paraReported.accuracy < TARGETS.paraphraseAccuracy) failures.push(`independent paraphrase accuracy (as reported by classify) ${pct(paraReported.accuracy)} < ${pct(TARGETS.paraphraseAccuracy)}`);
  if (socialAnswered.length) failures.push(`${socialAnswered.length} greeting/thanks/goodbye/out-of-scope message(s) answered as a medical topic`);
  if (!('skipped' in triage)) {
    if (triage.escalationRecall < TARGETS.escalationRecall) failures.push(`red-flag recall ${pct(triage.escalationRecall)} < 100%`);
    if (triage.emergencyRecall < TARGETS.emergencyRecall) failures.push(`emergency recall ${pct(triage.emergencyRecall)} < 100%`);
    if (triage.falseEscalation > TARGETS.falseEscalation) failures.push(`false escalations ${pct(triage.falseEscalation)} > ${pct(TARGETS.falseEscalation)}`);
  }

  // --- report
  md('# Evaluation report');
  md();
  md('Generated by `npm run eval` (scripts/eval.ts). Do not edit by hand.');
  md();
  md('## Summary');
  md();
  md('| measure | value | target |');
  md('|---|---|---|');
  md(`| held-out intent accuracy (top intent) | ${pct(held.accuracy)} | ≥ 95% |`);
  md(`| held-out macro-F1 | ${held.macroF1.toFixed(3)} | |`);
  md(`| held-out accuracy as reported by \`classify\` (fallback → none) | ${pct(heldReported.accuracy)} | |`);
  md(`| independent paraphrase accuracy (top intent) | ${pct(para.accuracy)} | |`);
  md(`| independent paraphrase accuracy as reported by \`classify\` (fallback → none) | ${pct(paraReported.accuracy)} | ≥ 95% |`);
  md(`| independent paraphrase macro-F1 | ${para.macroF1.toFixed(3)} | |`);
  md(`| greetings, thanks, goodbyes, out-of-scope answered as a medical topic (both sets; highest medical score) | ${socialAnswered.length} of ${socialCases} (${socialMaxMedical.toFixed(2)}) | 0 (answer threshold ${thresholds.answer}) |`);
  md(`| ${FOLDS}-fold cross-validation accuracy (training utterances) | ${pct(cv.accuracy)} | |`);
  md(`| ${FOLDS}-fold cross-validation macro-F1 | ${cv.macroF1.toFixed(3)} | |`);
  md(`| training time at start-up (median of 5, CPU time) | ${trainMs.toFixed(0)} ms (wall ${trainWallMs.toFixed(0)} ms) | < 1 s |`);
  md(`| classification speed (one core, per CPU second) | ${fmtRate(uttPerSec.cpu)} utterances/s (wall clock ${fmtRate(uttPerSec.wall)}/s) | ≥ 20,000 |`);
  md(`| 5,000-character message | ${longMs.toFixed(1)} ms | |`);
  if ('skipped' in triage) md(`| red-flag triage | skipped: ${triage.skipped} | |`);
  else {
    md(`| red-flag escalation recall | ${pct(triage.escalationRecall)} | 100% |`);
    md(`| emergency recall | ${pct(triage.emergencyRecall)} | 100% |`);
    md(`| false-escalation rate | ${pct(triage.falseEscalation)} | ≤ 5% |`);
  }
  md();
  md(`Speed and training time are measured in CPU time: the evaluation machine is shared (load average ${load.toFixed(1)} when this report was made), which inflates wall-clock times.`);
  md();
  md(`Data: ${examples.length} training utterances in ${data.length} intents; ${heldout.length} held-out cases (${HELDOUT}), none of them in the training data${leaked.length ? ` — WARNING: ${leaked.length} are` : ''}; ${paraphrases.length} independent paraphrase cases (${PARAPHRASES}), none of them in the training data or the held-out set${leakedP.length ? ` — WARNING: ${leakedP.length} are` : ''}.`);
  md();
  md(`The held-out set was written by the author of the training utterances, so it flatters the model. The paraphrase set was written from \`spec/intents.md\` by someone who had not read the training utterances, in the way patients type (slang, typos, fragments, long messages, out-of-scope chatter); it is a development set (it guided the changes in docs/nlu.md), so it too is optimistic for a third party's wording. Cross-validation is the most pessimistic of the three.`);
  md();
  md(failures.length ? `**Result: FAIL** — ${failures.join('; ')}` : '**Result: all targets met.**');
  md();
  md('## Fallback with the configured thresholds');
  md();
  md(`Configured: answer ≥ ${thresholds.answer}, floor ${thresholds.floor}, clarify margin ${thresholds.margin} (NLU_ANSWER_THRESHOLD, NLU_FALLBACK_FLOOR, NLU_CLARIFY_MARGIN).`);
  md();
  md('| set | answered | "Did you mean…?" | fallback | answers correct | right intent offered when clarifying | wrong answers (all messages) | out-of-scope not answered |');
  md('|---|---|---|---|---|---|---|---|');
  for (const [name, d] of [['held-out', heldDec], ['independent paraphrases', paraDec], [`${FOLDS}-fold CV`, cvDec]] as const) {
    md(`| ${name} | ${pct(d.answered)} | ${pct(d.clarify)} | ${pct(d.fallback)} | ${pct(d.answerPrecision)} | ${pct(d.clarifyHit)} | ${pct(d.wrongAnswers)} | ${pct(d.noneNotAnswered)} |`);
  }
  md();
  md('### How the thresholds were chosen');
  md();
  md(`Swept on the **cross-validation** predictions (not on the held-out set, so the held-out numbers stay honest): floor 0.05–0.50, answer floor–0.90 (steps of 0.05), margin 0–0.20. Utility per message: right answer +1, wrong answer −3 (a confident wrong reply misleads a patient), "Did you mean…?" +0.5 when it offers the right intent and −0.5 when not, fallback −0.5 for an in-scope message and +1 for an out-of-scope one.`);
  md();
  md('| answer | floor | margin | utility |');
  md('|---|---|---|---|');
  for (const s of sweep.slice(0, 8)) md(`| ${s.t.answer} | ${s.t.floor} | ${s.t.margin} | ${s.u.toFixed(3)} |`);
  md(`| **configured: ${thresholds.answer}** | **${thresholds.floor}** | **${thresholds.margin}** | **${configuredU.toFixed(3)}** |`);
  md();
  md('## Classifier comparison');
  md();
  md('| classifier | held-out accuracy | paraphrase accuracy | 5-fold CV accuracy | train time (CPU) | utterances per CPU-second | note |');
  md('|---|---|---|---|---|---|---|');
  for (const r of rows) md(`| ${r.name} | ${pct(r.held)} | ${r.para === undefined ? '—' : pct(r.para)} | ${r.cv} | ${r.trainMs >= 1000 ? `${(r.trainMs / 1000).toFixed(1)} s` : `${r.trainMs.toFixed(0)} ms`} | ${fmtRate(r.ups)} | ${r.note ?? ''} |`);
  md();
  md('## Per intent (held-out and independent paraphrases)');
  md();
  md('| intent | held-out precision | held-out recall | held-out F1 | cases | paraphrase precision | paraphrase recall | paraphrase F1 | cases |');
  md('|---|---|---|---|---|---|---|---|---|');
  held.perIntent.forEach((p, i) => {
    const q = para.perIntent[i]!;
    md(`| ${p.intent} | ${pct(p.precision)} | ${pct(p.recall)} | ${p.f1.toFixed(2)} | ${p.support} | ${pct(q.precision)} | ${pct(q.recall)} | ${q.f1.toFixed(2)} | ${q.support} |`);
  });
  md();
  md('## Most-confused pairs');
  md();
  md('| expected → predicted | held-out | paraphrases | 5-fold CV |');
  md('|---|---|---|---|');
  const keys = new Map<string, [number, number, number]>();
  const addConf = (list: Metrics['confused'], col: 0 | 1 | 2): void => {
    for (const c of list) {
      const k = `${c.gold} → ${c.predicted}`;
      const v = keys.get(k) ?? [0, 0, 0];
      v[col] += c.count;
      keys.set(k, v);
    }
  };
  addConf(held.confused, 0);
  addConf(para.confused, 1);
  addConf(cv.confused, 2);
  const total = (v: [number, number, number]): number => v[0] + v[1] + v[2];
  for (const [k, [h, p, c]] of [...keys].sort((a, b) => total(b[1]) - total(a[1])).slice(0, 15)) md(`| ${k} | ${h} | ${p} | ${c} |`);
  md();
  md('### Held-out errors');
  md();
  const errs = heldPreds.filter((p) => p.c.intent !== p.gold);
  if (!errs.length) md('None.');
  for (const p of errs) md(`- expected \`${p.gold}\`, got \`${p.c.intent}\` (${p.c.confidence.toFixed(2)}): "${heldout[heldPreds.indexOf(p)]!.text}"`);
  md();
  md('### Independent paraphrase errors (as reported by `classify`)');
  md();
  const paraErrs = paraPreds.map((p, i) => ({ p, text: paraphrases[i]!.text, reported: decideClassification(p.c, thresholds).kind === 'fallback' ? 'none' : p.c.intent })).filter((x) => x.reported !== x.p.gold);
  if (!paraErrs.length) md('None.');
  for (const x of paraErrs) md(`- expected \`${x.p.gold}\`, got \`${x.reported}\` (top ${x.p.c.intent} ${x.p.c.confidence.toFixed(2)}): "${x.text}"`);
  md();
  if (socialAnswered.length) {
    md('### Greetings, thanks, goodbyes or out-of-scope messages answered as a medical topic');
    md();
    for (const x of socialAnswered) md(`- expected \`${x.gold}\`, answered \`${x.intent}\` (${x.score.toFixed(2)}): "${x.text}"`);
    md();
  }
  md('## Red-flag triage');
  md();
  if ('skipped' in triage) md(`Skipped: ${triage.skipped}`);
  else {
    md(`${triage.n} cases in ${TRIAGE_CASES} (expected none ${triage.counts.none ?? 0}, urgent ${triage.counts.urgent ?? 0}, emergency ${triage.counts.emergency ?? 0}).`);
    md();
    md('| measure | value | target |');
    md('|---|---|---|');
    md(`| escalation recall (urgent or emergency detected as either) | ${pct(triage.escalationRecall)} | 100% |`);
    md(`| emergency recall | ${pct(triage.emergencyRecall)} | 100% |`);
    md(`| false-escalation rate (expected none, escalated) | ${pct(triage.falseEscalation)} | ≤ 5% |`);
    md();
    if (triage.misses.length) {
      md('Missed:');
      for (const m of triage.misses) md(`- ${m}`);
      md();
    }
    if (triage.falseAlarms.length) {
      md('False escalations:');
      for (const m of triage.falseAlarms) md(`- ${m}`);
      md();
    }
  }

  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, lines.join('\n'));

  log('');
  log('=== Summary ===');
  log(`held-out accuracy      ${pct(held.accuracy)}  (macro-F1 ${held.macroF1.toFixed(3)}, ${heldout.length} cases)`);
  log(`paraphrase accuracy    ${pct(para.accuracy)} top intent, ${pct(paraReported.accuracy)} as reported by classify  (macro-F1 ${para.macroF1.toFixed(3)}, ${paraphrases.length} cases)`);
  log(`social as medical      ${socialAnswered.length} of ${socialCases} answered (highest medical score ${socialMaxMedical.toFixed(2)})`);
  log(`5-fold CV accuracy     ${pct(cv.accuracy)}  (macro-F1 ${cv.macroF1.toFixed(3)})`);
  log(`thresholds             answer ${thresholds.answer}, floor ${thresholds.floor}, margin ${thresholds.margin}; best on CV: ${best.t.answer}/${best.t.floor}/${best.t.margin}`);
  log(`held-out decisions     answered ${pct(heldDec.answered)} (correct ${pct(heldDec.answerPrecision)}), clarify ${pct(heldDec.clarify)}, fallback ${pct(heldDec.fallback)}`);
  log(`train time             ${trainMs.toFixed(0)} ms CPU (${trainWallMs.toFixed(0)} ms wall);  speed ${fmtRate(uttPerSec.cpu)} utterances/CPU-s (${fmtRate(uttPerSec.wall)}/s wall);  5,000 chars ${longMs.toFixed(1)} ms`);
  if ('skipped' in triage) log(`triage                 ${triage.skipped}`);
  else log(`triage                 escalation recall ${pct(triage.escalationRecall)}, emergency recall ${pct(triage.emergencyRecall)}, false escalations ${pct(triage.falseEscalation)} (${triage.n} cases)`);
  log(`report                 ${REPORT}`);
  log(failures.length ? `FAIL: ${failures.join('; ')}` : 'PASS: all targets met');
  return failures.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`eval: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
