/**
 * `npm run chat` with piped input, as a script would run it. Starting the process is the
 * slow part, so one conversation covers the greeting, the numbered menu, a sourced answer
 * and a red flag that interrupts a self-test; a second run checks LOG_LEVEL.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContent } from '../src/content/loader';

/** Run the terminal chat with piped input. */
function chat(lines: string[], logLevel?: string): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.LOG_LEVEL;
  if (logLevel) env.LOG_LEVEL = logLevel;
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/chat.ts'], { input: lines.join('\n') + '\n', encoding: 'utf8', env, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What the bot printed after the user line `you> text`, up to the next user line. */
function after(stdout: string, text: string): string {
  const start = stdout.indexOf(`you> ${text}\n`);
  expect(start, `"you> ${text}" in the output`).toBeGreaterThanOrEqual(0);
  const rest = stdout.slice(start + `you> ${text}\n`.length);
  const next = rest.indexOf('\nyou> ');
  return next < 0 ? rest : rest.slice(0, next + 1);
}

const greeting = loadContent('dialogs').dialogs.find((d) => d.id === 'greeting')!.nodes.find((n) => n.kind === 'choice');
if (greeting?.kind !== 'choice') throw new Error('dialogs/greeting.yaml has no choice node');

describe('npm run chat (piped)', () => {
  let run: ReturnType<typeof chat>;
  beforeAll(() => {
    run = chat(['hi', 'what causes calf pain', 'wall test', 'my calf is hot and swollen']);
  });

  it('exits 0 at the end of input, and logs nothing unless LOG_LEVEL asks', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('"level"');
  });

  it('welcomes first, then answers a greeting with the greeting and the menu as a numbered list', () => {
    expect(run.stdout.startsWith('bot> ')).toBe(true);
    const reply = after(run.stdout, 'hi');
    expect(reply.startsWith(`bot> ${greeting.prompt}`), reply).toBe(true);
    greeting.choices.forEach((c, i) => expect(reply).toMatch(new RegExp(`^\\s+${i + 1}\\. ${c.title.replace(/[?.]/g, '\\$&')}$`, 'm')));
  });

  it('ends an answer with where it comes from, by title, not by file name', () => {
    const reply = after(run.stdout, 'what causes calf pain');
    expect(reply).toMatch(/^\s+From: Calf pain: causes and treatment — /m);
    expect(reply).not.toMatch(/\d{3}_[0-9a-f]{16}/);
  });

  it('marks an urgent reply and interrupts a self-test with the urgent-care message', () => {
    expect(after(run.stdout, 'wall test')).not.toMatch(/^bot \[URGENT\]> /m);
    expect(after(run.stdout, 'my calf is hot and swollen')).toMatch(/^bot \[URGENT\]> Please get medical advice today/m);
  });

  it('writes log lines to stderr, never into the conversation, when LOG_LEVEL asks for them', () => {
    const asked = chat(['my calf is hot and swollen'], 'warn');
    expect(asked.stderr).toContain('"msg":"red flag: escalating"');
    expect(asked.stdout).not.toContain('"level"');
    expect(asked.stdout).toMatch(/^bot \[URGENT\]> /m);
  });
});
