/**
 * The content check: the real dialogs load; every intent is answered; broken
 * fixtures fail naming the file and the node id, through loadContent and the CLI.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadLexicon } from '../src/triage/lexicon';
import { describe, expect, it } from 'vitest';
import { ContentError, loadContent } from '../src/content/loader';
import { dialogFileSchema } from '../src/content/schema';
import { validateSet } from '../src/content/validate';
import { FALLBACK_INTENT, TAXONOMY_INTENTS } from '../src/domain/taxonomy';

const root = path.resolve(__dirname, '..');
const fixture = (name: string): string => path.join(root, 'tests/fixtures/broken-dialogs', name);

function problemsOf(dir: string): string {
  try {
    loadContent(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ContentError);
    return (err as ContentError).message;
  }
  throw new Error(`${dir} loaded without errors`);
}

describe('content check', () => {
  const content = loadContent(path.join(root, 'dialogs'));

  it('loads the real dialogs, and a dialog file must say its version', () => {
    expect(content.dialogs.length).toBeGreaterThan(30);
    // Loading guarantees a version on every file (the schema requires it); a file without one is rejected.
    const { version: _version, file: _file, ...unversioned } = content.dialogs[0]!;
    const parsed = dialogFileSchema.safeParse(unversioned);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['version']);
  });

  it('answers every id of the documented taxonomy (docs/intents.md) except none', () => {
    const documented = [...readFileSync(path.join(root, 'docs/intents.md'), 'utf8').matchAll(/^\|\s*`([a-z_]+)`\s*\|/gm)].map((m) => m[1]!);
    expect(documented).toContain(FALLBACK_INTENT);
    // the content check's own list is that taxonomy, so it misses no answer
    expect([...TAXONOMY_INTENTS].sort()).toEqual([...documented].sort());
    for (const id of documented) {
      if (id === FALLBACK_INTENT) expect(content.intentDialog[id]).toBeUndefined();
      else expect(content.intentDialog[id], id).toBeDefined();
    }
  });

  it('answers every intent file in intents/', () => {
    const files = readdirSync(path.join(root, 'intents')).filter((f) => /\.ya?ml$/.test(f));
    for (const f of files) {
      const id = f.replace(/\.ya?ml$/, '');
      if (id !== FALLBACK_INTENT) expect(content.intentDialog[id], `${f} has no dialog`).toBeDefined();
    }
  });

  it('every escalation in a tree names a red-flag rule and that rule\'s level, so a sign gets the same level typed or answered', () => {
    const lexicon = loadLexicon(path.join(root, 'triage'));
    const levels = new Map(lexicon.rules.map((r) => [r.id, r.level]));
    const escalations = content.dialogs.flatMap((d) => d.nodes.flatMap((n) => (n.kind === 'escalate' ? [{ where: `${d.file} ${n.id}`, reason: n.reason, level: n.level }] : [])));
    expect(escalations.length).toBeGreaterThan(5);
    const bad = escalations.filter((e) => levels.get(e.reason) !== e.level)
      .map((e) => `${e.where}: ${e.reason} (${e.level}) but triage/red-flags.yaml has ${levels.get(e.reason) ?? 'no such rule'}`);
    expect(bad).toEqual([]);
  });

  it('every dialog with steps the user carries out is held while an escalation is open; unmarking one fails the check', () => {
    const withSteps = content.dialogs.filter((d) => d.nodes.some((n) => n.kind === 'message' && n.card === 'step'));
    expect(withSteps.map((d) => d.id).sort()).toEqual(['calf_tightness', 'selftest_ankle_wall', 'selftest_calf_raise', 'selftest_squat']);
    expect(withSteps.every((d) => d.hold_while_escalated)).toBe(true);
    const unmarked = content.dialogs.map((d) => (d.id === 'calf_tightness' ? { ...d, hold_while_escalated: false } : d));
    const problems = validateSet(content.system, unmarked, [...TAXONOMY_INTENTS]).map((p) => `${p.file} ${p.node}: ${p.message}`);
    expect(problems).toContain('calf_tightness.yaml step_1: a step the user carries out must not run while an escalation is open: mark the file hold_while_escalated: true');
  });

    it('names file and node id for graph problems', () => {
    const msg = problemsOf(fixture('graph'));
    expect(msg).toContain("broken_tree.yaml node 'ask': goes to node 'missing_node', which does not exist");
    expect(msg).toContain("broken_tree.yaml node 'ask': starts dialog 'no_such_dialog'");
    expect(msg).toContain("broken_tree.yaml node 'orphan': is unreachable");
    expect(msg).toMatch(/broken_tree\.yaml node 'spin_[ab]': is in a loop with no exit/);
    expect(msg).toMatch(/broken_tree\.yaml node 'spin_[ab]': is in a loop that never waits for the user/);
    expect(msg).toContain("broken_tree.yaml node 'intro': an answer must name its sources");
    expect(msg).toContain("intent 'greeting' has no answer or dialog");
  });

  it('names file and node id for schema problems', () => {
    const msg = problemsOf(fixture('schema'));
    expect(msg).toContain("bad_schema.yaml node 'count_left': nodes.0.retry");
    expect(msg).toContain("bad_schema.yaml node 'mystery'");
  });

  it('npm run content:check passes on dialogs/, intents/ and the word variants, and fails on a broken fixture', () => {
    const cli = [process.execPath, '--import', 'tsx', path.join(root, 'src/cli/content-check.ts')] as const;
    expect(execFileSync(cli[0], cli.slice(1), { cwd: root, encoding: 'utf8' })).toMatch(/intents answered\. OK\nintents: 37 intents, \d+ utterances; \d+ word variants\. OK/);
    let stderr = '';
    let status = 0;
    try {
      execFileSync(cli[0], [...cli.slice(1), fixture('graph')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { status: number; stderr: string };
      status = e.status;
      stderr = e.stderr;
    }
    expect(status).toBe(1);
    expect(stderr).toContain("broken_tree.yaml node 'ask'");
  });
});
