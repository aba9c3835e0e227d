/** Loads `.env` (if present) into process.env, quietly: stdout belongs to the CLIs' output. */
import dotenv from 'dotenv';

/** LOG_LEVEL as set in the shell, before `.env` is read (the terminal chat logs only when asked there). */
export const shellLogLevel: string | undefined = process.env.LOG_LEVEL;

dotenv.config({ quiet: true });
