/**
 * CPU per turn of the whole bot without the HTTP server: each activity goes through
 * `handleMessages` (authentication, validation, limits, the turn with every middleware,
 * the dialogs, SQLite state and transcripts with group commit, the JSON answer) with a
 * stand-in request and response, N conversations at a time, replaying the bench's
 * conversations. Less noisy than the HTTP bench for changes inside a turn.
 *
 *   node scripts/build.mjs
 *   npx tsx scripts/bench/turn-micro.ts [dist folder] [turns] [concurrent conversations]
 *
 * Loads the bot from the given build (default dist/), so two builds can be compared in
 * alternating runs. Prints one line: turns, CPU ms per turn (user + system of this process,
 * warm-up left out) on stderr; the bot's warn-level log goes to stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { activityFor, SCRIPTS } from './conversations';

const dist = resolve(process.argv[2] ?? 'dist');
const turns = Number(process.argv[3] ?? 20_000);
const concurrency = Number(process.argv[4] ?? 50);

/* eslint-disable @typescript-eslint/no-require-imports */
const { parseConfig } = require(join(dist, 'config.js')) as typeof import('../../src/config');
const { createLogger } = require(join(dist, 'logger.js')) as typeof import('../../src/logger');
const { openDatabase } = require(join(dist, 'storage', 'index.js')) as typeof import('../../src/storage');
const { createBotApp } = require(join(dist, 'turn', 'pipeline.js')) as typeof import('../../src/turn/pipeline');
const { createAdapter } = require(join(dist, 'adapter.js')) as typeof import('../../src/adapter');
const { handleMessages } = require(join(dist, 'web', 'messages.js')) as typeof import('../../src/web/messages');
const { createServiceLimits } = require(join(dist, 'web', 'request', 'limits.js')) as typeof import('../../src/web/request/limits');
/* eslint-enable @typescript-eslint/no-require-imports */

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'calfbot-micro-'));
  try {
    const config = parseConfig({
      ...process.env,
      LOG_LEVEL: 'warn', NODE_ENV: 'production', MicrosoftAppId: '', MicrosoftAppPassword: '', ESCALATION_WEBHOOK_URL: '',
      RATE_LIMIT_ADDRESS_PER_MINUTE: '1000000', RATE_LIMIT_NEW_CONVERSATIONS_PER_MINUTE: '1000000',
      DATABASE_URL: `sqlite:${join(tmp, 'micro.db')}`,
    });
    const logger = createLogger('warn');
    const db = await openDatabase(config.DATABASE_URL, { logger, outboxFile: join(tmp, 'outbox.jsonl') });
    const app = createBotApp({ config, db, logger });
    const adapter = createAdapter(config, logger);
    app.attach(adapter);
    const limits = createServiceLimits(config, db.raw, logger);
    const deps = { adapter, logger, logic: (context: Parameters<typeof app.bot.run>[0]) => app.bot.run(context), limits };

    let bad = 0;
    const post = async (activity: Record<string, unknown>): Promise<void> => {
      const body = JSON.parse(JSON.stringify(activity)) as unknown;
      let status = 0;
      let payload = '';
      const res = {
        headersSent: false,
        writeHead(s: number) { status = s; this.headersSent = true; },
        end(p?: string) { payload = p ?? ''; },
        setHeader() {},
      };
      const req = { headers: { 'content-type': 'application/json' }, body, socket: { remoteAddress: '127.0.0.1' } };
      await handleMessages(req as never, res as never, deps as never);
      if (status !== 200 || (activity.type === 'message' && !payload.includes('"activities"'))) bad++;
    };

    let done = 0;
    let conv = 0;
    const worker = async (limit: () => number): Promise<void> => {
      while (done < limit()) {
        const script = SCRIPTS[conv % SCRIPTS.length]!;
        const id = `micro-${conv++}`;
        for (const turn of script.turns) {
          await post(activityFor(turn, id, `${id}-user`));
          done++;
        }
      }
    };
    const run = async (n: number): Promise<void> => {
      const target = done + n;
      await Promise.all(Array.from({ length: concurrency }, () => worker(() => target)));
    };

    await run(Math.max(2000, Math.round(turns / 5)));
    const warm = done;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(turns);
    const cpu = process.cpuUsage(cpu0);
    const ms = performance.now() - t0;
    const measured = done - warm;
    process.stderr.write(`${dist}: ${measured} turns, CPU ${((cpu.user + cpu.system) / 1000 / measured).toFixed(4)} ms/turn, wall ${(ms / measured).toFixed(4)} ms/turn, bad ${bad}\n`);
    await db.close();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
