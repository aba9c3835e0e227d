/**
 * `npm run nlu:export-labels [-- --out DIR]`: writes the labels staff gave patient
 * messages in the console, from the database DATABASE_URL names, as
 * `intents/reviewed/<intent>.yaml` and `tests/data/triage-reviewed.yaml` under DIR
 * (default: the current folder), ready for code review. Nothing retrains a running bot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config';
import { recordSystemAudit } from '../staff/audit';
import { createTeachingStore } from '../staff/store';
import { exportLabelFiles } from '../staff/teaching/exportLabels';
import { flagValue, runMain, runWithDatabase } from './databaseCommand';

function outDir(argv: string[]): string {
  const raw = flagValue(argv, '--out');
  if (raw === undefined) return process.cwd();
  if (!raw) throw new ConfigError('--out needs a folder');
  return path.resolve(raw);
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let root = '';
  return runWithDatabase('export', env, () => {
    root = outDir(argv);
  }, async (db) => {
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
  });
}

runMain(module, main);
