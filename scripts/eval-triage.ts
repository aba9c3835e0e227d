/**
 * `npm run eval` (second part): red-flag triage measured as a patient meets it, every
 * message a whole turn through the bot (src/cli/localBot.ts runs the same pipeline as
 * `npm start`):
 *  - the independent set (tests/data/independent/: written without seeing the rules or
 *    the detector's training data; never tuned on): red-flag recall, emergency recall
 *    and false escalations, per condition, plus the multi-turn scripts;
 *  - the regression table (tests/data/triage-cases.yaml) the same way;
 *  - the development sets (tests/data/dev … dev19: written apart from the rules too, but tuned
 *    on: their misses are named so they can be fixed, and they are not evidence).
 * Prints progress and a summary, writes reports/triage-eval.md. Exits 1 when the
 * regression table misses (a known case must never regress); the independent set's
 * numbers are reported as they are, PASS or MISS, and never gate.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Activity } from 'botbuilder';
import { parse } from 'yaml';
import { z } from 'zod';
import { createLocalBot, type LocalBot } from '../src/cli/localBot';
import { urgencyRank, type Urgency } from '../src/domain/urgency';

const level = z.enum(['none', 'urgent', 'emergency']);
const casesFile = z.object({ version: z.literal(1), cases: z.array(z.object({ text: z.string(), condition: z.string(), level })) });
const scriptsFile = z.object({
  version: z.literal(1),
  scripts: z.array(z.object({ name: z.string(), turns: z.array(z.object({ user: z.string(), expect: z.enum(['none', 'urgent', 'emergency', 'safe_after_escalation']) })) })),
});
const regressionFile = z.object({ red_flags: z.array(z.object({ text: z.string(), expect: level })), benign: z.array(z.object({ text: z.string(), expect: level })) });

/** Answers that must not be given straight after an escalation. */
const UNSAFE_INTENTS = /^(stretches|foam_rolling|strengthening|calf_knot|calf_tightness|selftest.*|pain_running|muscle_imbalance)$/;

function read<T>(file: string, schema: z.ZodType<T>): T {
  return schema.parse(parse(readFileSync(file, 'utf8')));
}

interface Turn {
  urgency: Urgency;
  screened: boolean;
  intents: string[];
}

function summarise(replies: Partial<Activity>[], screeningIntros: readonly string[]): Turn {
  let urgency: Urgency = 'none';
  const intents: string[] = [];
  for (const r of replies) {
    const cd = (r.channelData ?? {}) as { urgency?: Urgency; intent?: string | null };
    if (cd.urgency && urgencyRank(cd.urgency) > urgencyRank(urgency)) urgency = cd.urgency;
    if (cd.intent) intents.push(cd.intent);
  }
  return { urgency, screened: replies.some((r) => screeningIntros.some((intro) => r.text?.startsWith(intro))), intents };
}

/** The openings of the screening sets: a reply starting with one asked the questions. */
const intros = (bot: LocalBot): string[] => bot.app.triage.wording.screening.sets.map((s) => s.intro);

async function firstTurn(bot: LocalBot, text: string): Promise<Turn> {
  const c = await bot.conversation();
  return summarise(await c.say(text), intros(bot));
}

const pct = (a: number, b: number): string => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)}%`);
const progress = (label: string, i: number, n: number): void => {
  if (i % 25 === 0 || i === n) process.stderr.write(`  ${label}: ${i}/${n}\n`);
};

interface SetResult {
  lines: string[];
  summary: string;
}

/**
 * Measures one evaluation set (a folder with redflags.yaml, benign.yaml, scripts.yaml).
 * `showTexts`: name the missed messages (the development set) or only their condition and
 * level (the independent set, which stays unread by whoever tunes triage).
 */
async function measureSet(bot: LocalBot, dir: string, title: string, showTexts: boolean): Promise<SetResult> {
  const redflags = read(`${dir}/redflags.yaml`, casesFile).cases;
  const benign = read(`${dir}/benign.yaml`, casesFile).cases;
  const scripts = existsSync(`${dir}/scripts.yaml`) ? read(`${dir}/scripts.yaml`, scriptsFile).scripts : [];
  process.stderr.write(`${title}: ${redflags.length} red flags, ${benign.length} benign, ${scripts.length} scripts\n`);
  const byCondition = new Map<string, { n: number; escalated: number; emergencyN: number; emergencyOk: number; screened: number }>();
  const misses: string[] = [];
  /** Urgent red flags answered with the emergency card: not a miss, but a call to 999 that should have been a same-day appointment. */
  const overCalls: string[] = [];
  const quote = (text: string): string => (showTexts ? `: "${text}"` : '');
  let i = 0;
  for (const c of redflags) {
    const t = await firstTurn(bot, c.text);
    const row = byCondition.get(c.condition) ?? { n: 0, escalated: 0, emergencyN: 0, emergencyOk: 0, screened: 0 };
    row.n++;
    if (t.urgency !== 'none') row.escalated++;
    else if (t.screened) row.screened++;
    if (c.level === 'emergency') {
      row.emergencyN++;
      if (t.urgency === 'emergency') row.emergencyOk++;
    }
    if (c.level === 'urgent' && t.urgency === 'emergency') overCalls.push(`${c.condition}${quote(c.text)}`);
    if (t.urgency === 'none' || (c.level === 'emergency' && t.urgency !== 'emergency')) misses.push(`${c.condition} (${c.level}) → ${t.urgency}${t.screened ? ', screening asked' : ''}${quote(c.text)}`);
    byCondition.set(c.condition, row);
    progress('red flags', ++i, redflags.length);
  }
  let falseEscalations = 0;
  let benignScreened = 0;
  const falseTexts: string[] = [];
  i = 0;
  for (const c of benign) {
    const t = await firstTurn(bot, c.text);
    if (t.urgency !== 'none') {
      falseEscalations++;
      if (showTexts) falseTexts.push(`${t.urgency}: "${c.text}"`);
    } else if (t.screened) benignScreened++;
    progress('benign', ++i, benign.length);
  }
  const total = [...byCondition.values()].reduce((a, r) => ({ n: a.n + r.n, escalated: a.escalated + r.escalated, emergencyN: a.emergencyN + r.emergencyN, emergencyOk: a.emergencyOk + r.emergencyOk, screened: a.screened + r.screened }), { n: 0, escalated: 0, emergencyN: 0, emergencyOk: 0, screened: 0 });

  // scripts
  const scriptResults = { turns: 0, ok: 0, safeAfterN: 0, safeAfterOk: 0, midDialogN: 0, midDialogOk: 0 };
  const scriptMisses: string[] = [];
  for (const s of scripts) {
    const conv = await bot.conversation();
    let before = false;
    for (const turn of s.turns) {
      const t = summarise(await conv.say(turn.user), intros(bot));
      scriptResults.turns++;
      let ok: boolean;
      if (turn.expect === 'safe_after_escalation') {
        scriptResults.safeAfterN++;
        ok = t.urgency !== 'none' && !t.intents.some((x) => UNSAFE_INTENTS.test(x));
        if (ok) scriptResults.safeAfterOk++;
      } else if (turn.expect === 'none') {
        ok = t.urgency === 'none';
      } else {
        ok = turn.expect === 'emergency' ? t.urgency === 'emergency' : t.urgency !== 'none';
        if (before) {
          scriptResults.midDialogN++;
          if (ok) scriptResults.midDialogOk++;
        }
      }
      if (ok) scriptResults.ok++;
      // The independent set's script names describe their story, so they stay out of the report too.
      else scriptMisses.push(`${showTexts ? s.name : `script ${scripts.indexOf(s) + 1}, turn ${s.turns.indexOf(turn) + 1}`}: expected ${turn.expect}, got ${t.urgency}${showTexts && t.intents.length ? ` (${t.intents.join(', ')})` : ''}${quote(turn.user)}`);
      before = true;
    }
  }

  const recallOk = total.escalated === total.n;
  const emergencyOk = total.emergencyOk === total.emergencyN;
  const falseOk = benign.length === 0 || falseEscalations / benign.length <= 0.05;
  const out: string[] = [`## ${title}`, '', '| measure | result | target | |', '|---|---|---|---|'];
  out.push(`| red flags escalated (urgent or emergency) | ${pct(total.escalated, total.n)} (${total.escalated}/${total.n}) | 100% | ${verdict(recallOk)} |`);
  out.push(`| emergencies answered as emergency | ${pct(total.emergencyOk, total.emergencyN)} (${total.emergencyOk}/${total.emergencyN}) | 100% | ${verdict(emergencyOk)} |`);
  const urgentN = total.n - total.emergencyN;
  out.push(`| urgent red flags answered as an emergency (call 999 where a same-day appointment was right) | ${pct(overCalls.length, urgentN)} (${overCalls.length}/${urgentN}) | | |`);
  out.push(`| red flags not escalated but screened (asked the safety questions) | ${total.screened} | | |`);
  out.push(`| false escalations on benign messages | ${pct(falseEscalations, benign.length)} (${falseEscalations}/${benign.length}) | ≤ 5% | ${verdict(falseOk)} |`);
  out.push(`| benign messages that got the screening questions | ${pct(benignScreened, benign.length)} (${benignScreened}/${benign.length}) | | |`);
  out.push(`| script turns as expected | ${pct(scriptResults.ok, scriptResults.turns)} (${scriptResults.ok}/${scriptResults.turns}) | 100% | ${verdict(scriptResults.ok === scriptResults.turns)} |`);
  out.push(`| red flag typed mid-conversation escalates | ${scriptResults.midDialogOk}/${scriptResults.midDialogN} | all | ${verdict(scriptResults.midDialogOk === scriptResults.midDialogN)} |`);
  out.push(`| safe after an escalation | ${scriptResults.safeAfterOk}/${scriptResults.safeAfterN} | all | ${verdict(scriptResults.safeAfterOk === scriptResults.safeAfterN)} |`, '');
  out.push('### Per condition', '', '| condition | messages | escalated | emergencies as emergency | screened instead |', '|---|---|---|---|---|');
  for (const [cond, r] of [...byCondition.entries()].sort()) {
    out.push(`| ${cond} | ${r.n} | ${pct(r.escalated, r.n)} | ${r.emergencyN ? `${r.emergencyOk}/${r.emergencyN}` : '–'} | ${r.screened} |`);
  }
  out.push('', showTexts ? '### Misses' : '### Misses (by condition and level only: the set stays unread by whoever tunes triage)', '');
  out.push(...(misses.length ? misses.map((m) => `- ${m}`) : ['- none']), '');
  if (showTexts) out.push('### False escalations', '', ...(falseTexts.length ? falseTexts.map((m) => `- ${m}`) : ['- none']), '');
  if (showTexts && overCalls.length) out.push('### Urgent red flags answered as an emergency', '', ...overCalls.map((m) => `- ${m}`), '');
  out.push('### Script misses', '', ...(scriptMisses.length ? scriptMisses.map((m) => `- ${m}`) : ['- none']), '');
  const summary = `${title}: recall ${pct(total.escalated, total.n)}, emergency ${pct(total.emergencyOk, total.emergencyN)}, false escalations ${pct(falseEscalations, benign.length)}, safe after escalation ${scriptResults.safeAfterOk}/${scriptResults.safeAfterN}`;
  return { lines: out, summary };
}

const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

/** The development sets (tests/data/development-sets.yaml): each measured once unseen, then tuned on. */
const developmentSetsFile = z.object({
  version: z.literal(1),
  sets: z.array(z.object({ dir: z.string().regex(/^dev\d*$/), name: z.string().min(1) }).strict()).min(1),
}).strict();
const DEVELOPMENT_SETS = read('tests/data/development-sets.yaml', developmentSetsFile).sets;

/** `--set <dir>`: measure one folder of tests/data only (a new set's first, unseen measurement), print it, write nothing. */
async function measureOne(dir: string): Promise<number> {
  const bot = await createLocalBot();
  const result = await measureSet(bot, `tests/data/${dir}`, dir, true);
  await bot.close();
  process.stdout.write(`${result.lines.join('\n')}\n${result.summary}\n`);
  return 0;
}

async function main(): Promise<number> {
  const only = process.argv.indexOf('--set');
  if (only !== -1) {
    const dir = process.argv[only + 1];
    if (dir === undefined || !/^[a-z0-9-]+$/.test(dir)) throw new Error('--set needs the name of a folder in tests/data, e.g. --set dev18');
    return measureOne(dir);
  }
  const started = Date.now();
  const bot = await createLocalBot();
  const out: string[] = ['# Red-flag triage, measured through the whole bot', '', 'Generated by `npm run eval`. Every message is one whole turn in a new conversation, unless it is part of a script.', ''];

  const independent = await measureSet(bot, 'tests/data/independent', 'Independent set (never tuned on)', false);
  const devSets: SetResult[] = [];
  for (const { dir, name } of DEVELOPMENT_SETS) devSets.push(await measureSet(bot, `tests/data/${dir}`, `${name} (tuned on: not evidence of generalisation)`, true));

  // --- regression table, through the bot
  const table = read('tests/data/triage-cases.yaml', regressionFile);
  process.stderr.write(`Regression table: ${table.red_flags.length} red flags, ${table.benign.length} benign\n`);
  const tableMisses: string[] = [];
  let i = 0;
  for (const c of table.red_flags) {
    const t = await firstTurn(bot, c.text);
    if (t.urgency === 'none' || (c.expect === 'emergency' && t.urgency !== 'emergency')) tableMisses.push(`${c.text} → ${t.urgency}`);
    progress('table red flags', ++i, table.red_flags.length);
  }
  const falseAlarms: string[] = [];
  for (const c of table.benign) {
    const t = await firstTurn(bot, c.text);
    if (t.urgency !== 'none') falseAlarms.push(`${c.text} → ${t.urgency}`);
  }
  const tableFalse = falseAlarms.length;
  await bot.close();

  // --- report
  out.push(...independent.lines);
  out.push('## Regression table (tests/data/triage-cases.yaml), through the bot', '');
  out.push(`- red flags: ${table.red_flags.length - tableMisses.length}/${table.red_flags.length} escalated at the right level ${verdict(tableMisses.length === 0)}`);
  out.push(`- false escalations: ${pct(tableFalse, table.benign.length)} (${tableFalse}/${table.benign.length}) ${verdict(tableFalse / table.benign.length <= 0.05)}`);
  out.push(...tableMisses.map((m) => `  - missed: ${m}`), ...falseAlarms.map((m) => `  - false escalation: ${m}`), '');
  out.push(...devSets.flatMap((d) => d.lines));
  writeFileSync('reports/triage-eval.md', out.join('\n'));
  process.stdout.write(out.join('\n') + `\n${[independent, ...devSets].map((d) => d.summary).join('\n')}\n(${((Date.now() - started) / 1000).toFixed(1)} s; written to reports/triage-eval.md)\n`);
  return tableMisses.length === 0 && tableFalse / table.benign.length <= 0.05 ? 0 : 1;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`eval-triage: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
