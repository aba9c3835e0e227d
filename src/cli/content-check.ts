/**
 * `npm run content:check [dir]`: validate the content exactly as start-up does: the dialog files,
 * the intent files beside them (`intents/`, with `reviewed/`) and the word variants
 * (`intents/vocabulary/variants.yaml`). Exit code 0 when valid; 1 with the problems (file, and
 * node id or word) otherwise.
 */
import path from 'node:path';
import { ContentError, loadContent } from '../content/loader';
import { loadTrainingData, TrainingDataError } from '../nlu/trainingData';
import { variants, VariantsError } from '../nlu/variants';

function main(argv: string[]): number {
  const dir = argv[0] ?? 'dialogs';
  const intentsDir = path.join(path.dirname(path.resolve(dir)), 'intents');
  try {
    const content = loadContent(dir);
    const nodes = content.dialogs.reduce((n, d) => n + d.nodes.length, 0);
    process.stdout.write(`${dir}: ${content.dialogs.length} dialogs, ${nodes} nodes, ${Object.keys(content.intentDialog).length} intents answered. OK\n`);
    const intents = loadTrainingData(intentsDir);
    const utterances = intents.reduce((n, i) => n + i.utterances.length, 0);
    process.stdout.write(`intents: ${intents.length} intents, ${utterances} utterances; ${variants().size} word variants. OK\n`);
    return 0;
  } catch (err) {
    if (err instanceof ContentError || err instanceof TrainingDataError || err instanceof VariantsError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2));
