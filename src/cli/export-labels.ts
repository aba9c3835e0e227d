/**
 * `npm run nlu:export-labels [-- --out DIR]`: writes the labels staff gave patient
 * messages in the console, from the database DATABASE_URL names, as
 * `intents/reviewed/<intent>.yaml` and `tests/data/triage-reviewed.yaml` under DIR
 * (default: the current folder), ready for code review. Nothing retrains a running bot.
 */
import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { ConfigError, parseConfig } from '../config';
import { openDatabase, StorageStartupError } from '../storage';
import { recordSystemAudit } from '../staff/audit';
import { createTeachingStore } from '../staff/store';
import { exportLabelFiles } from '../staff/teaching/exportLabels';

function outDir(argv: string[]): string {
  const i = argv.findIndex((a) => a === '--out' || a.startsWith('--out='));
  if (i < 0) return process.cwd();
  const raw = argv[i]!.includes('=') ? argv[i]!.split('=').slice(1).join('=') : argv[i + 1];
  if (!raw) throw new ConfigError('--out needs a folder');
  return path.resolve(raw);
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  try {
    const config = parseConfig(env);
    const root = outDir(argv);
    const db = await openDatabase(config.DATABASE_URL);
    try {
      const labels = await createTeachingStore(db).allLabels();
      const files = exportLabelFiles(labels);
      for (const f of files) {
        const file = path.join(root, f.path);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, f.content);
        console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
      }
      await recordSystemAudit(db, 'labels.export', { labels: labels.length, files: files.map((f) => f.path) });
      console.log(`${labels.length} label(s) exported to ${files.length} file(s).`);
    } finally {
      await db.close();
    }
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StorageStartupError) {
      console.error(err.message);
      return 1;
    }
    console.error(`export failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (require.main === module) {
  dotenv.config({ quiet: true });
  void main(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
