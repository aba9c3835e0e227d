// Native async functions for the bundle, in place of TypeScript's generator-based `__awaiter`.
//
// botbuilder's packages are compiled for ES2015, so each of their async methods runs as
//   return __awaiter(this, void 0, void 0, function* () { … yield x … });
// Every call evaluates a new generator function, and calling it gives the generator object a
// fresh prototype object. V8 makes that object a prototype (a prototype map, a PrototypeInfo, a
// validity cell and a load handler each time), and every one of them is a weak reference that the
// next major GC has to clear: about 24 per turn, which is what grew the full bot's major-GC pauses
// with the heap (docs/performance.md, "Round 28"). A native async function creates none of them.
//
// The rewrite, for a call whose last argument is a generator function without parameters, whose
// `this` is `this` (or not used), whose arguments are `void 0` or `arguments`, and whose body has
// no `yield*`:
//   __awaiter(this, void 0, void 0, function* () { BODY })  →  (async () => { BODY' })()
// where BODY' has each `yield X` of that generator (not of a nested function) as `(await (X))`.
// An arrow function keeps the enclosing `this` and `arguments`, which is what `__awaiter` passed
// in; an exception before the first `yield` rejects the promise in both. Anything else is left as
// it was. The result is parsed again, and a file that does not parse fails the build.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Parser } from 'acorn';

const SCRIPT = { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowHashBang: true };
const MODULE = { ...SCRIPT, sourceType: 'module' };

/** CommonJS files parse as scripts; the packages' ES module builds as modules. */
function parse(code) {
  try {
    return { ast: Parser.parse(code, SCRIPT), options: SCRIPT };
  } catch {
    return { ast: Parser.parse(code, MODULE), options: MODULE };
  }
}

const isFunction = (n) => n.type === 'FunctionExpression' || n.type === 'FunctionDeclaration' || n.type === 'ArrowFunctionExpression';
const isVoid0 = (n) => n.type === 'UnaryExpression' && n.operator === 'void' && n.argument.type === 'Literal' && n.argument.value === 0;
const isAwaiter = (callee) =>
  (callee.type === 'Identifier' && callee.name === '__awaiter') ||
  (callee.type === 'MemberExpression' && !callee.computed && callee.property.name === '__awaiter');

function children(node) {
  const out = [];
  for (const key of Object.keys(node)) {
    const v = node[key];
    if (Array.isArray(v)) for (const c of v) { if (c && typeof c.type === 'string') out.push(c); }
    else if (v && typeof v.type === 'string') out.push(v);
  }
  return out;
}

/** Nodes of `root` that `match` picks, not looking inside functions that `into` refuses. */
function collect(root, match, into) {
  const found = [];
  const stack = [...children(root)];
  while (stack.length) {
    const n = stack.pop();
    if (match(n)) found.push(n);
    if (!isFunction(n) || into(n)) stack.push(...children(n));
  }
  return found;
}

function convertible(call) {
  if (!isAwaiter(call.callee) || call.arguments.length !== 4) return null;
  const [self, args, promise, fn] = call.arguments;
  if (fn.type !== 'FunctionExpression' || !fn.generator || fn.async || fn.params.length > 0) return null;
  if (!isVoid0(promise)) return null;
  if (!(isVoid0(args) || (args.type === 'Identifier' && args.name === 'arguments'))) return null;
  // `this` inside the generator is `self`; in an arrow it is the enclosing one
  if (self.type !== 'ThisExpression') {
    if (!isVoid0(self)) return null;
    if (collect(fn.body, (n) => n.type === 'ThisExpression', (f) => f.type === 'ArrowFunctionExpression').length) return null;
  }
  // `arguments` inside the generator is `args`; in an arrow it is the enclosing function's
  if (isVoid0(args) && collect(fn.body, (n) => n.type === 'Identifier' && n.name === 'arguments', (f) => f.type === 'ArrowFunctionExpression').length) return null;
  const yields = collect(fn.body, (n) => n.type === 'YieldExpression', () => false);
  if (yields.some((y) => y.delegate)) return null;
  return { fn, yields };
}

/** The source with every convertible `__awaiter` call as a native async arrow; `count` says how many. */
export function toNativeAsync(code, file = '<input>') {
  if (!code.includes('__awaiter')) return { code, count: 0 };
  const { ast, options } = parse(code);
  const edits = [];
  let count = 0;
  for (const call of collect(ast, (n) => n.type === 'CallExpression', () => true)) {
    const c = convertible(call);
    if (!c) continue;
    count++;
    edits.push({ start: call.start, end: c.fn.body.start, text: '(async () => ' });
    edits.push({ start: c.fn.body.end, end: call.end, text: ')()' });
    for (const y of c.yields) {
      if (y.argument) {
        // the keyword only: the argument may sit in parentheses that its node's range leaves out
        edits.push({ start: y.start, end: y.start + 'yield'.length, text: '(await (' });
        edits.push({ start: y.end, end: y.end, text: '))' });
      } else {
        edits.push({ start: y.start, end: y.end, text: '(await void 0)' });
      }
    }
  }
  // from the end, so earlier offsets stay valid; an insertion at p goes before a range ending at p
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  try {
    Parser.parse(out, options);
  } catch (err) {
    throw new Error(`nativeAsync: ${file} does not parse after the rewrite: ${err.message}`);
  }
  return { code: out, count };
}

/** Packages whose ES2015 output the bundle rewrites. */
export const NATIVE_ASYNC_FILTER = /[\\/]node_modules[\\/](botbuilder[^\\/]*|botframework-[^\\/]*)[\\/].*\.js$/;

/** esbuild plugin: the rewrite for the packages above; `stats.calls` counts the calls rewritten. */
export function nativeAsyncPlugin(stats = { files: 0, calls: 0 }) {
  return {
    name: 'native-async',
    setup(build) {
      build.onLoad({ filter: NATIVE_ASYNC_FILTER }, (args) => {
        const { code, count } = toNativeAsync(readFileSync(args.path, 'utf8'), args.path);
        if (count) { stats.files++; stats.calls += count; }
        return { contents: code, loader: 'js' };
      });
    },
  };
}

// `node scripts/nativeAsync.mjs <entry> <outfile>`: bundles one entry the way scripts/build.mjs
// bundles the service, with the rewrite (the bench builds its peer bot this way too, to show how
// much of the difference is the build).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [entry, outfile] = process.argv.slice(2);
  if (!entry || !outfile) {
    console.error('usage: node scripts/nativeAsync.mjs <entry> <outfile>');
    process.exit(2);
  }
  const esbuild = await import('esbuild');
  const stats = { files: 0, calls: 0 };
  await esbuild.build({
    entryPoints: [entry], outfile, bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error',
    external: ['better-sqlite3', 'pg', 'dtrace-provider'],
    plugins: [nativeAsyncPlugin(stats)],
  });
  console.error(`${outfile}: ${stats.calls} async methods in ${stats.files} botbuilder files made native`);
}
