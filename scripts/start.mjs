// `npm start`: the service bundled with its dependencies (dist/calfbot.js, scripts/build.mjs),
// built again first when a file in src/ is newer than the build. The check runs here, in the
// service's own process; the build (scripts/build.mjs --if-stale, which also explains what to do
// on an install without esbuild) runs in a child process only when it is needed. One node start
// instead of two is ~0.1 s of every `npm start`. The bundle runs with V8's code cache
// (scripts/codeCache.mjs): ~0.15 s less on every start after the first.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BUNDLE, isFresh, ROOT } from './buildStamp.mjs';
import { requireWithCodeCache } from './codeCache.mjs';

if (!isFresh()) {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
requireWithCodeCache(BUNDLE);
