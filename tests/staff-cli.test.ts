/**
 * `npm run staff:add` / `staff:revoke` (src/cli/staff.ts) on a SQLite file: the token is
 * shown once and only its hash is stored; flags are validated by name; revocation is
 * immediate. `add` runs as a process, as an operator runs it; the other commands call the
 * same `main` in this process (starting a process per command was most of this file's time).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/staff';
import { hashSecret } from '../src/staff/tokens';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-staff-cli-'));
const dbFile = path.join(dir, 'staff.db');

/** `npm run staff:add -- …` as a process. */
async function staffProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/staff.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: `sqlite:${dbFile}`, LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The same command in this process: its exit code and what it wrote. */
async function staff(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { DATABASE_URL: `sqlite:${dbFile}`, LOG_LEVEL: 'silent' }, { out: (line) => (stdout += line + '\n'), err: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe('staff CLI', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds an account, prints the token once and stores only its hash', async () => {
    const res = await staffProcess('add', '--name', 'Dr Rivera', '--role', 'admin');
    expect(res.code).toBe(0);
    const token = /Token: (cb_[A-Za-z0-9_-]{43})/.exec(res.stdout)?.[1];
    expect(token).toBeDefined();
    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db.prepare('SELECT name, role, token_hash FROM staff_accounts').all() as { name: string; role: string; token_hash: string }[];
      expect(rows).toEqual([{ name: 'Dr Rivera', role: 'admin', token_hash: hashSecret(token!) }]);
      const raw = fs.readFileSync(dbFile).toString('latin1') + (fs.existsSync(`${dbFile}-wal`) ? fs.readFileSync(`${dbFile}-wal`).toString('latin1') : '');
      expect(raw).not.toContain(token!);
      const audit = db.prepare('SELECT action, actor_name FROM staff_audit').all();
      expect(audit).toEqual([{ action: 'account.create', actor_name: 'cli' }]);
    } finally {
      db.close();
    }
  });

  it('names the flag that is wrong', async () => {
    const badRole = await staff('add', '--name', 'X', '--role', 'boss');
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role must be reviewer or admin');
    const noName = await staff('add', '--role', 'admin');
    expect(noName.stderr).toContain('--name is required');
    const unknown = await staff('add', '--name', 'X', '--role', 'admin', '--admin');
    expect(unknown.stderr).toContain("'--admin'");
    const dup = await staff('add', '--name', 'Dr Rivera', '--role', 'reviewer');
    expect(dup.stderr).toContain('already exists');
    const both = await staff('revoke', '--name', 'Dr Rivera', '--id', 'acc_x');
    expect(both.stderr).toContain('exactly one of --name or --id');
  });

  it('revokes by name', async () => {
    const res = await staff('revoke', '--name', 'Dr Rivera');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Revoked admin "Dr Rivera"');
    const again = await staff('revoke', '--name', 'Dr Rivera');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no active staff account');
    const list = await staff('list');
    expect(list.stdout).toMatch(/admin\s+Dr Rivera .*revoked/);
  });
});
