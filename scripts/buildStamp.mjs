// Whether dist/ holds a build of the current src/: scripts/build.mjs writes dist/.built after
// each build, and dist/ is fresh when no file in src/ is newer than that stamp. Shared by the
// build (--if-stale) and by scripts/start.mjs (`npm start`), which checks it in its own process.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's folder (this file is in its scripts/), whatever the working directory. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SRC = path.join(ROOT, 'src');
export const OUT = path.join(ROOT, 'dist');
export const STAMP = path.join(OUT, '.built');
/** The service bundled with its dependencies: what `npm start` runs. */
export const BUNDLE = path.join(OUT, 'calfbot.js');

export function sourceFiles(dir = SRC) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : [p];
  });
}

/** dist/ has a complete build: the stamp, the file-by-file entry point and the bundle. */
export function isBuilt() {
  return fs.existsSync(STAMP) && fs.existsSync(path.join(OUT, 'index.js')) && fs.existsSync(BUNDLE);
}

/** Built, and no source newer than the build. */
export function isFresh(sources = sourceFiles()) {
  if (!isBuilt()) return false;
  const at = fs.statSync(STAMP).mtimeMs;
  return sources.every((f) => fs.statSync(f).mtimeMs <= at);
}
