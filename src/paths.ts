/**
 * Where the running code and the project are, for the files read beside the code (migrations,
 * public/, caches). One place, because the code runs from three layouts: src/ under tsx (tests,
 * scripts), dist/ file by file (the operator commands), and dist/index.js bundled with its
 * dependencies (`npm start`, scripts/build.mjs). In each, this module's folder is the code's root.
 */
import path from 'node:path';

/** src/ or dist/. */
export const CODE_DIR = __dirname;
/** The folder with package.json, public/ and node_modules/. */
export const PROJECT_DIR = path.resolve(__dirname, '..');
