/**
 * The frame of a command-line tool that works on the database DATABASE_URL names
 * (`npm run purge`, `npm run nlu:export-labels`): read `.env`, validate the settings,
 * open the database, run, always close it, and turn configuration and storage problems
 * into one clear line and exit code 1.
 */
import dotenv from 'dotenv';
import { ConfigError, parseConfig, type Config } from '../config';
import { openDatabase, StorageStartupError } from '../storage';
import type { Database } from '../storage/types';

/** The value of `--name VALUE` or `--name=VALUE`, if given. */
export function flagValue(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const arg = argv[i] ?? '';
  return arg.includes('=') ? arg.split('=').slice(1).join('=') : argv[i + 1] ?? '';
}

export async function runWithDatabase(
  what: string,
  env: Record<string, string | undefined>,
  prepare: (config: Config) => void,
  run: (db: Database, config: Config) => Promise<void>,
): Promise<number> {
  try {
    const config = parseConfig(env);
    prepare(config);
    const db = await openDatabase(config.DATABASE_URL);
    try {
      await run(db, config);
    } finally {
      await db.close();
    }
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StorageStartupError) {
      console.error(err.message);
      return 1;
    }
    console.error(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/** Run `main` when the file is executed directly, with `.env` read first. */
export function runMain(module: NodeJS.Module, main: (argv: string[], env: Record<string, string | undefined>) => Promise<number>): void {
  if (require.main !== module) return;
  dotenv.config({ quiet: true });
  void main(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
