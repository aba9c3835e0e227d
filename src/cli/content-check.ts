/**
 * `npm run content:check [dir]`: validate the dialog files exactly as start-up does.
 * Exit code 0 when valid; 1 with one line per problem (file + node id) otherwise.
 */
import { ContentError, loadContent } from '../content/loader';

function main(argv: string[]): number {
  const dir = argv[0] ?? 'dialogs';
  try {
    const content = loadContent(dir);
    const nodes = content.dialogs.reduce((n, d) => n + d.nodes.length, 0);
    process.stdout.write(`${dir}: ${content.dialogs.length} dialogs, ${nodes} nodes, ${Object.keys(content.intentDialog).length} intents answered. OK\n`);
    return 0;
  } catch (err) {
    if (err instanceof ContentError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2));
