import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

/** Run the terminal chat with piped input, as a script would. */
function chat(lines: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/chat.ts'], {
    input: lines.join('\n') + '\n',
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, LOG_LEVEL: 'warn' },
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
});
