/** Loads `.env` (if present) into process.env, quietly: stdout belongs to the CLIs' output. */
import dotenv from 'dotenv';

dotenv.config({ quiet: true });
