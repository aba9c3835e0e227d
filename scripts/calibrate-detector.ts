/**
 * `npm run triage:calibrate`: how the red-flag detector's thresholds are chosen,
 * using only its own training data (triage/detector/train.yaml), never the
 * independent evaluation set. 5-fold cross-validation gives each training message a
 * held-out P(red flag); the table shows, per threshold, the share of red flags
 * caught and of benign messages that would escalate (or be asked the screening
 * questions). The settings in triage/detector/settings.yaml are read from it.
 */
import { Detector, loadDetectorSettings, loadTrainingExamples, type TrainingExample } from '../src/triage/detector';
import { loadLexicon } from '../src/triage/lexicon';
import { Matcher } from '../src/triage/matcher';

const FOLDS = 5;

function main(): void {
  const lexicon = loadLexicon('triage');
  const matcher = new Matcher(lexicon);
  const examples = loadTrainingExamples('triage');
  const settings = loadDetectorSettings('triage');
  const scored: { red: boolean; p: number }[] = [];
  for (let k = 0; k < FOLDS; k++) {
    const train: TrainingExample[] = [];
    const test: TrainingExample[] = [];
    examples.forEach((e, i) => (i % FOLDS === k ? test : train).push(e));
    const d = new Detector(matcher, train, settings);
    for (const e of test) scored.push({ red: e.condition !== 'none', p: d.detect(e.text).probability });
    process.stderr.write(`  fold ${k + 1}/${FOLDS}\n`);
  }
  const red = scored.filter((s) => s.red);
  const benign = scored.filter((s) => !s.red);
  const rows = ['| threshold | red flags at or above | benign at or above |', '|---|---|---|'];
  for (const t of [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]) {
    const r = red.filter((s) => s.p >= t).length / red.length;
    const b = benign.filter((s) => s.p >= t).length / benign.length;
    rows.push(`| ${t.toFixed(2)} | ${(100 * r).toFixed(1)}% | ${(100 * b).toFixed(1)}% |`);
  }
  process.stdout.write(`Detector, ${FOLDS}-fold cross-validation on ${examples.length} training messages (${red.length} red flags, ${benign.length} benign):\n${rows.join('\n')}\nsettings: escalate_at ${settings.escalate_at}, ask_at ${settings.ask_at}\n`);
}

main();
