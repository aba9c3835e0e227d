/**
 * `npm run chat`: talk to the bot in a terminal, in-process.
 * Interactive at a TTY; with piped stdin it reads one user message per line, prints
 * the bot's replies, and exits 0 at the end of input. Logs stay out of the conversation
 * unless LOG_LEVEL is set in the shell.
 */
import { shellLogLevel } from '../env';
import readline from 'node:readline';
import { ConfigError, parseConfig } from '../config';
import { createLogger } from '../logger';
import { openDatabase } from '../storage';
import { createBotApp } from '../turn/pipeline';
import { ConsoleAdapter } from './consoleAdapter';
import pino from 'pino';

async function main(): Promise<void> {
  const config = parseConfig({ ...process.env, DATABASE_URL: 'memory:' });
  // No logs between the lines of the conversation unless asked for in the shell
  // (LOG_LEVEL=info npm run chat); .env's LOG_LEVEL is the server's. They go to stderr.
  const logger = createLogger(shellLogLevel || 'silent', pino.destination(2));
  const db = await openDatabase('memory:', { logger });
  const app = createBotApp({ config, db, logger });
  const adapter = new ConsoleAdapter((line) => process.stdout.write(line + '\n'));
  adapter.onTurnError = async (_context, error) => {
    process.stderr.write(`error: ${error.message}\n`);
  };
  app.attach(adapter);
  const logic = (context: Parameters<typeof app.bot.run>[0]) => app.bot.run(context);

  const interactive = process.stdin.isTTY === true;
  await adapter.join(logic);
  const rl = readline.createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
  if (interactive) {
    process.stdout.write('(type a message; "quit" or Ctrl-D to leave)\n');
    rl.setPrompt('you> ');
    rl.prompt();
  }
  for await (const line of rl) {
    const text = line.trim();
    if (interactive && (text === 'quit' || text === 'exit')) break;
    if (text) {
      if (!interactive) process.stdout.write(`you> ${text}\n`);
      await adapter.say(text, logic);
    }
    if (interactive) rl.prompt();
  }
  rl.close();
  await db.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`chat: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
