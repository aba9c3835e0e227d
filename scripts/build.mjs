// Transpiles src/ to dist/ with esbuild (type checking is `npm run typecheck`).
// dist/ mirrors src/ folder for folder, so paths relative to __dirname (public/, the
// Web Chat bundle, migrations) resolve the same from both.
//
//   node scripts/build.mjs             full build, and brotli-compresses Web Chat's bundle into
//                                      the cache the server reads (node_modules/.cache/calfbot/,
//                                      src/web/request/compression.ts), so the first start need not
//   node scripts/build.mjs --prepare   the same, run by `npm install` / `npm ci` (the `prepare`
//                                      script); without esbuild (an install without dev
//                                      dependencies) it keeps dist/ as it is and says so
//   node scripts/build.mjs --if-stale  what the operator commands (and `npm start`, when
//                                      scripts/start.mjs finds src/ newer than dist/) run first:
//                                      nothing when dist/ is newer than every file in src/, or
//                                      when esbuild is not installed and dist/ exists
//
// Besides dist/ file by file (what the operator commands run), the service itself is bundled
// with its pure-JavaScript dependencies into dist/calfbot.js, which `npm start` runs (through
// scripts/start.mjs): one file to read and compile instead of ~1,500 cuts module loading, most
// of a start, by about half (docs/performance.md, "Start-up"). Native and optional packages stay
// outside the bundle.
//
// esbuild is a dev dependency: the service runs the JavaScript in dist/ with plain node.
// When dist/ is missing and esbuild is not installed, this fails with a message naming the fix.
import fs from 'node:fs';
import path from 'node:path';
import { BUNDLE, isBuilt, isFresh, OUT, SRC, sourceFiles, STAMP } from './buildStamp.mjs';

const ifStale = process.argv.includes('--if-stale');
const prepare = process.argv.includes('--prepare');

const sources = sourceFiles();
const built = isBuilt();
if (ifStale && isFresh(sources)) process.exit(0);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  if (built) {
    if (!prepare) console.error(`calfbot: src/ changed since dist/ was built, but esbuild is not installed (a production install): running dist/ as built. Run \`npm install\` with dev dependencies and \`npm run build\` to rebuild.`);
    process.exit(0);
  }
  const message = 'calfbot: dist/ is missing and cannot be built here: esbuild, which builds it, is a dev dependency and is not installed (npm install --omit=dev or NODE_ENV=production). Fix: run `npm install` (with dev dependencies), which builds dist/, or copy in a dist/ built with `npm run build`.';
  console.error(message);
  // An install without dev dependencies must not fail; `npm start` then fails with this message.
  process.exit(prepare ? 0 : 1);
}
// after esbuild: the rewrite's parser (acorn) is a dev dependency too
const { nativeAsyncPlugin } = await import('./nativeAsync.mjs');

/**
 * Two recognizers-text packages the bundle would carry for nothing, 3.6 MB of its 14 MB, parsed on
 * every start: botbuilder-dialogs takes only the `Culture` names from the suite (the same strings
 * as recognizers-text-number's, which the number prompt loads anyway), and only its DateTimePrompt,
 * which calfbot does not use, needs date-time. In the bundle the first is those names and the
 * second throws, naming this file, if a DateTimePrompt is ever used. dist/ file by file is unchanged.
 */
const slimRecognizers = {
  name: 'slim-recognizers',
  setup(build) {
    build.onResolve({ filter: /^@microsoft\/recognizers-text-(suite|date-time)$/ }, (args) => ({ path: args.path, namespace: 'slim-recognizers' }));
    build.onLoad({ filter: /suite$/, namespace: 'slim-recognizers' }, () => ({
      contents: "module.exports = { Culture: require('@microsoft/recognizers-text-number').Culture };",
      loader: 'js',
    }));
    build.onLoad({ filter: /date-time$/, namespace: 'slim-recognizers' }, () => ({
      contents: "exports.recognizeDateTime = () => { throw new Error('DateTimePrompt: @microsoft/recognizers-text-date-time is left out of dist/calfbot.js (scripts/build.mjs, slimRecognizers); add it back there to use date prompts'); };",
      loader: 'js',
    }));
  },
};

const started = Date.now();
const nativeAsyncStats = { files: 0, calls: 0 };
fs.rmSync(OUT, { recursive: true, force: true });
const forNode = { format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' };
// dist/ file by file
await esbuild.build({ ...forNode, entryPoints: sources.filter((f) => f.endsWith('.ts')), outdir: OUT, outbase: SRC });
// dist/calfbot.js: the service with its dependencies
await esbuild.build({
  ...forNode,
  entryPoints: [path.join(SRC, 'index.ts')],
  outfile: BUNDLE,
  bundle: true,
  // Outside the bundle: native code (better-sqlite3), what is loaded only for PostgreSQL (pg),
  // restify's optional dtrace-provider, and the packages our code takes from another package's
  // copy (src/dialogs/prompts.ts, src/web/request/bodyReader.ts: Globalize holds the locales
  // NumberPrompt loaded into it), so that the bundle and our code load the same file.
  external: ['better-sqlite3', 'pg', 'dtrace-provider', 'globalize', '@microsoft/recognizers-text-number', 'restify-errors'],
  // those two files find restify's and botbuilder-dialogs' folders on disk at run time, on purpose
  logOverride: { 'require-resolve-not-external': 'silent' },
  // botbuilder's async methods as native async functions (scripts/nativeAsync.mjs): fewer objects per
  // turn, and no prototype maps for the major GC to clear
  plugins: [slimRecognizers, nativeAsyncPlugin(nativeAsyncStats)],
  // import() (pg, loaded only for PostgreSQL) as require(): the bundle runs from V8's code cache
  // (scripts/codeCache.mjs), where Node 20 has lost the callback a dynamic import needs
  supported: { 'dynamic-import': false },
});
for (const file of sources.filter((f) => !f.endsWith('.ts'))) {
  const target = path.join(OUT, path.relative(SRC, file));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(file, target);
}
fs.writeFileSync(STAMP, new Date().toISOString() + '\n');
console.error(`calfbot: built dist/ from src/ in ${Date.now() - started} ms (${nativeAsyncStats.calls} async methods in ${nativeAsyncStats.files} botbuilder files made native)`);

if (!ifStale) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { compressFile, addBrotli, brotliCacheFile } = require(path.resolve(OUT, 'web', 'request', 'compression.js'));
  const bundle = compressFile({ body: fs.readFileSync(path.resolve('node_modules/botframework-webchat/dist/webchat.js')), type: 'text/javascript; charset=utf-8' });
  const t0 = Date.now();
  await addBrotli(bundle);
  console.error(`calfbot: Web Chat bundle ${bundle.body.length} bytes, brotli ${bundle.br.length} (${brotliCacheFile(bundle.hash)}, ${Date.now() - t0} ms)`);
}
