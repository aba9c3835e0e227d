/** Runs scripts/bench/classifier.ts in its own process (one core, nothing else running) and reads its JSON line. */
import { execFile } from 'node:child_process';

export type ClassifierResult = { perSec: number; utterances: number; heldoutTexts: number; loadMs: number } | { error: string };

export function classifierThroughput(root: string, seconds: number): Promise<ClassifierResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/bench/classifier.ts', String(seconds)], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        resolve({ error: (stderr.trim().split('\n').pop() ?? error.message).slice(0, 300) });
        return;
      }
      try {
        const r = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { perSec: number; utterances: number; heldoutTexts: number; loadMs: number };
        resolve({ perSec: r.perSec, utterances: r.utterances, heldoutTexts: r.heldoutTexts, loadMs: r.loadMs });
      } catch {
        resolve({ error: `unreadable output: ${stdout.slice(0, 200)}` });
      }
    });
  });
}
