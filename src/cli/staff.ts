/**
 * Staff accounts for the transcript review console and API.
 *
 *   npm run staff:add -- --name "Dr Rivera" --role reviewer|admin
 *   npm run staff:revoke -- --name "Dr Rivera"        (or --id acc_…)
 *   node dist/cli/staff.js list
 *
 * `add` prints the new token once; only its SHA-256 hash is stored. `revoke` takes
 * effect at once: the token stops working and the account's console sessions end.
 * Uses DATABASE_URL from the environment / .env, like the server.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { z } from 'zod';
import { ConfigError, parseConfig } from '../config';
import { createLogger } from '../logger';
import { openDatabase, StorageStartupError } from '../storage';
import type { Database } from '../storage/types';
import { recordSystemAudit } from '../staff/audit';
import { createStaffStore } from '../staff/store';
import { DuplicateAccountError } from '../staff/store/types';
import { hashSecret, newAccountId, newToken } from '../staff/tokens';
import { runMain } from './databaseCommand';

const USAGE = `Usage:
  npm run staff:add -- --name NAME --role reviewer|admin
  npm run staff:revoke -- --name NAME   (or --id ACCOUNT_ID)
  node dist/cli/staff.js list`;

class UsageError extends Error {}

const nameSchema = z.string({ message: '--name is required' })
  .trim()
  .min(1, '--name must not be empty')
  .max(64, '--name must be at most 64 characters')
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} .'@_-]*$/u, "--name may use letters, digits, spaces and . ' @ _ -");

const addArgs = z.strictObject({
  name: nameSchema,
  role: z.enum(['reviewer', 'admin'], { message: '--role must be reviewer or admin' }),
});

const revokeArgs = z.union([
  z.strictObject({ name: nameSchema }),
  z.strictObject({ id: z.string().regex(/^acc_[0-9a-f-]{36}$/, '--id must be an account id such as acc_3f2c…, as `list` shows it') }),
], { message: 'give exactly one of --name or --id' });

function validate<S extends z.ZodType>(schema: S, values: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') throw new UsageError(`--${issue.keys[0]} is not an option here`);
  if (issue?.code === 'invalid_union') {
    // Report the branch whose option was given, so the message names the flag.
    const given = Object.keys(values);
    const inner = issue.errors.map((e) => e[0]).find((e) => e && e.code !== 'unrecognized_keys' && given.includes(String(e.path[0])));
    throw new UsageError(inner?.message ?? 'give exactly one of --name or --id');
  }
  throw new UsageError(issue?.message ?? 'invalid arguments');
}

function parseCommandLine(argv: string[]): { command: string; values: Record<string, unknown> } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { name: { type: 'string' }, role: { type: 'string' }, id: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('. ')[0] : String(err));
  }
  const [command, ...extra] = parsed.positionals;
  if (parsed.values.help || !command) throw new UsageError(command ? '' : 'missing command (add, revoke or list)');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}" (quote names with spaces: --name "Dr Rivera")`);
  const values = Object.fromEntries(Object.entries(parsed.values).filter(([k, v]) => k !== 'help' && v !== undefined));
  return { command, values };
}

/** Where the command writes: its output lines, and its error text (stdout and stderr for the process). */
export interface StaffIo {
  out(line: string): void;
  err(text: string): void;
}

const processIo: StaffIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (text) => process.stderr.write(text),
};

async function run(db: Database, command: string, values: Record<string, unknown>, out: (line: string) => void): Promise<void> {
  const store = createStaffStore(db);

  if (command === 'add') {
    const args = validate(addArgs, values);
    const token = newToken();
    const account = await store.createAccount({ id: newAccountId(), name: args.name, role: args.role, tokenHash: hashSecret(token), createdAt: new Date().toISOString() });
    await recordSystemAudit(db, 'account.create', { accountId: account.id, name: account.name, role: account.role });
    out(`Created ${account.role} "${account.name}" (${account.id}).`);
    out('');
    out(`  Token: ${token}`);
    out('');
    out('This is the only time the token is shown; it is stored as a hash. Hand it over');
    out('privately. Sign in at <your bot URL>/staff, or call the API with');
    out('"Authorization: Bearer <token>". Revoke it with: npm run staff:revoke -- --name ' + JSON.stringify(account.name));
    return;
  }

  if (command === 'revoke') {
    if ('name' in values && 'id' in values) throw new UsageError('give exactly one of --name or --id');
    const args = validate(revokeArgs, values);
    const by = 'id' in args ? { id: args.id } : { name: args.name };
    const revoked = await store.revokeAccount(by, new Date().toISOString());
    if (revoked.length === 0) throw new UsageError(`no active staff account with ${'id' in by ? `id ${by.id}` : `name "${by.name}"`}`);
    for (const a of revoked) {
      await recordSystemAudit(db, 'account.revoke', { accountId: a.id, name: a.name, role: a.role });
      out(`Revoked ${a.role} "${a.name}" (${a.id}): the token no longer works and its sessions have ended.`);
    }
    return;
  }

  if (command === 'list') {
    validate(z.strictObject({}), values);
    const accounts = await store.listAccounts();
    if (accounts.length === 0) out('No staff accounts yet. Create one with: npm run staff:add -- --name NAME --role admin');
    for (const a of accounts) {
      const state = a.revokedAt ? `revoked ${a.revokedAt}` : `active, last sign-in ${a.lastLoginAt ?? 'never'}`;
      out(`${a.id}  ${a.role.padEnd(8)}  ${a.name}  (created ${a.createdAt}; ${state})`);
    }
    return;
  }

  throw new UsageError(`unknown command "${command}" (use add, revoke or list)`);
}

/** The command on `argv` (without node and the script) and `env`; resolves to the exit code. */
export async function main(argv: string[], env: Record<string, string | undefined>, io: StaffIo = processIo): Promise<number> {
  let command: string;
  let values: Record<string, unknown>;
  try {
    ({ command, values } = parseCommandLine(argv));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.err(message ? `staff: ${message}\n${USAGE}\n` : `${USAGE}\n`);
    return message ? 2 : 0;
  }
  try {
    const config = parseConfig(env);
    const logger = createLogger(env.LOG_LEVEL ?? 'warn', pino.destination(2));
    const db = await openDatabase(config.DATABASE_URL, { logger });
    try {
      await run(db, command, values, io.out);
      return 0;
    } catch (err) {
      if (err instanceof UsageError || err instanceof DuplicateAccountError) {
        io.err(`staff: ${err.message}\n`);
        return 2;
      }
      throw err;
    } finally {
      await db.close();
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StorageStartupError) io.err(`staff: ${error.message}\n`);
    else io.err(`staff: failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    return 1;
  }
}

runMain(module, main);
