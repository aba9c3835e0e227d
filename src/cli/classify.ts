/**
 * `npm run -s classify`: JSON lines in, JSON lines out, offline.
 *
 *   echo '{"text":"calfs r killing me after my run"}' | npm run -s classify
 *   {"text":"calfs r killing me after my run","intent":"pain_running","confidence":0.93,"urgency":"none"}
 *
 * Each input line gives exactly one output line. A line that is not a JSON object with a
 * string `text` gets `{"line":N,"error":"…"}`. Stdout carries only JSON lines; problems
 * that stop the tool (broken intent files, bad configuration) go to stderr with exit code 2.
 */
import readline from 'node:readline';
import { loadRecognizer } from '../nlu/recognizer';
import type { CalfRecognizer } from '../nlu/recognizer';
import { reportedIntent, thresholdsFromEnv } from '../nlu/thresholds';
import type { Thresholds } from '../nlu/decision';
import { cleanText } from '../domain/text';
import { loadTriage } from '../triage';
import type { Triage } from '../triage';

export interface ClassifyLineResult {
  text?: string;
  intent?: string;
  confidence?: number;
  urgency?: string;
  line?: number;
  error?: string;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Classify one input line (never throws). */
export function classifyLine(line: string, lineNo: number, recognizer: CalfRecognizer, triage: Triage, t: Thresholds): ClassifyLineResult {
  const raw = line.replace(/^\uFEFF/, '').trim();
  if (!raw) return { line: lineNo, error: 'empty line: expected a JSON object such as {"text": "..."}' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { line: lineNo, error: `not valid JSON: ${(err as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { line: lineNo, error: `expected a JSON object with a "text" field, got ${describe(parsed)}` };
  }
  const text = (parsed as Record<string, unknown>).text;
  if (text === undefined) return { line: lineNo, error: 'missing field "text"' };
  if (typeof text !== 'string') return { line: lineNo, error: `field "text" must be a string, got ${describe(text)}` };
  try {
    const clean = cleanText(text).trim();
    const c = recognizer.classify(clean);
    const urgency = triage.assess(clean).level;
    return { text, intent: reportedIntent(c, t), confidence: Math.round(c.confidence * 1e4) / 1e4, urgency };
  } catch (err) {
    return { text, line: lineNo, error: `could not classify: ${(err as Error).message}` };
  }
}

async function main(): Promise<void> {
  let recognizer: CalfRecognizer;
  let triage: Triage;
  let thresholds: Thresholds;
  try {
    thresholds = thresholdsFromEnv();
    recognizer = loadRecognizer(process.env.CALFBOT_INTENTS_DIR || 'intents');
    triage = loadTriage(process.env.CALFBOT_TRIAGE_DIR || 'triage');
  } catch (err) {
    process.stderr.write(`classify: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    const out = JSON.stringify(classifyLine(line, lineNo, recognizer, triage, thresholds));
    if (!process.stdout.write(out + '\n')) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
}

if (require.main === module) {
  void main().catch((err: unknown) => {
    process.stderr.write(`classify: ${(err as Error).message}\n`);
    process.exitCode = 2;
  });
}
