// Transpiles src/ to dist/ with esbuild (type checking is `npm run typecheck`).
// dist/ mirrors src/ folder for folder, so paths relative to __dirname (public/, the
// Web Chat bundle, migrations) resolve the same from both. With --if-stale it does
// nothing when dist/ is newer than every file in src/: that is what `npm start` runs first.
// A full `npm run build` also brotli-compresses Web Chat's bundle into the cache the server
// reads (node_modules/.cache/calfbot/), so the first start need not (src/web/request/compression.ts).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const SRC = 'src';
const OUT = 'dist';
const STAMP = path.join(OUT, '.built');

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}

const sources = files(SRC);
if (process.argv.includes('--if-stale') && fs.existsSync(STAMP)) {
  const built = fs.statSync(STAMP).mtimeMs;
  if (sources.every((f) => fs.statSync(f).mtimeMs <= built)) process.exit(0);
}

const started = Date.now();
fs.rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: sources.filter((f) => f.endsWith('.ts')),
  outdir: OUT,
  outbase: SRC,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
for (const file of sources.filter((f) => !f.endsWith('.ts'))) {
  const target = path.join(OUT, path.relative(SRC, file));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(file, target);
}
fs.writeFileSync(STAMP, new Date().toISOString() + '\n');
console.error(`calfbot: built ${OUT}/ from ${SRC}/ in ${Date.now() - started} ms`);

if (!process.argv.includes('--if-stale')) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { compressFile, addBrotli, brotliCacheFile } = require(path.resolve(OUT, 'web', 'request', 'compression.js'));
  const bundle = compressFile({ body: fs.readFileSync(path.resolve('node_modules/botframework-webchat/dist/webchat.js')), type: 'text/javascript; charset=utf-8' });
  const t0 = Date.now();
  await addBrotli(bundle);
  console.error(`calfbot: Web Chat bundle ${bundle.body.length} bytes, brotli ${bundle.br.length} (${brotliCacheFile(bundle.hash)}, ${Date.now() - t0} ms)`);
}
