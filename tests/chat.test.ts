import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

/** Run the terminal chat with piped input, as a script would. */
function chat(lines: string[], logLevel?: string): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.LOG_LEVEL;
  if (logLevel) env.LOG_LEVEL = logLevel;
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/chat.ts'], {
    input: lines.join('\n') + '\n',
    encoding: 'utf8',
    timeout: 30_000,
    env,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run chat (piped)', () => {
  it('greets the user and exits 0 at the end of input', () => {
    const { status, stdout } = chat(['hi']);
    expect(status).toBe(0);
    const afterHi = stdout.slice(stdout.indexOf('you> hi'));
    expect(afterHi).toMatch(/bot> \S/);
    expect(afterHi.toLowerCase()).toMatch(/hello|hi|welcome/);
  });

  it('shows buttons as a numbered list', () => {
    const { stdout } = chat(['help']);
    expect(stdout).toMatch(/^\s+1\. \S/m);
    expect(stdout).toMatch(/^\s+2\. \S/m);
  });

  it('marks an urgent reply and interrupts a self-test with the urgent-care message', () => {
    const { status, stdout } = chat(['wall test', 'my calf is hot and swollen']);
    expect(status).toBe(0);
    const afterRedFlag = stdout.slice(stdout.indexOf('you> my calf is hot and swollen'));
    expect(afterRedFlag).toMatch(/^bot \[URGENT\]> /m);
  });

  it('keeps log lines out of the conversation unless LOG_LEVEL asks for them', () => {
    const quiet = chat(['my calf is hot and swollen']);
    expect(quiet.stdout + quiet.stderr).not.toContain('"level"');
    expect(quiet.stderr).toBe('');
    const asked = chat(['my calf is hot and swollen'], 'warn');
    expect(asked.stderr).toContain('"msg":"red flag: escalating"');
    expect(asked.stdout).not.toContain('"level"');
  });

  it('ends an answer with where it comes from, by title', () => {
    const { stdout } = chat(['what causes calf pain']);
    expect(stdout).toMatch(/^\s+From: Calf pain: causes and treatment — /m);
    expect(stdout).not.toMatch(/\d{3}_[0-9a-f]{16}/);
  });
});
