/**
 * The build's rewrite of TypeScript's generator-based `__awaiter` into native async functions
 * (scripts/nativeAsync.mjs), which the bundle applies to botbuilder: the rewritten code must behave
 * exactly as the original, and anything it cannot prove equivalent is left alone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toNativeAsync } from '../scripts/nativeAsync.mjs';

// TypeScript's helper, as botbuilder's ES2015 output carries it
const HELPER = readFileSync('node_modules/botbuilder-dialogs/lib/dialogContext.js', 'utf8').match(/var __awaiter = [\s\S]*?\n};\n/)![0];

/** Runs a CommonJS-style snippet that sets `module.exports.run`, and awaits `run()`. */
async function run(code: string): Promise<unknown> {
  const module = { exports: {} as { run: () => Promise<unknown> } };
  new Function('module', code)(module);
  return module.exports.run();
}

/** The original and the rewritten snippet give the same result (or the same error). */
async function same(body: string, expectedCount: number): Promise<unknown> {
  const code = HELPER + body;
  const { code: rewritten, count } = toNativeAsync(code);
  expect(count).toBe(expectedCount);
  const settle = (p: Promise<unknown>) => p.then((value) => ({ value }), (error: Error) => ({ error: error.message }));
  const [before, after] = await Promise.all([settle(run(code)), settle(run(rewritten))]);
  expect(after).toEqual(before);
  return after;
}

describe('native async rewrite of __awaiter', () => {
  it('keeps `this`, awaited values and their order in a method', async () => {
    const result = await same(`
      class Counter {
        constructor() { this.n = 1; }
        add(x) { return __awaiter(this, void 0, void 0, function* () { const a = yield Promise.resolve(x); this.n += a; const b = yield this.n; return [a, b, yield]; }); }
      }
      module.exports.run = () => new Counter().add(41);`, 1);
    expect(result).toEqual({ value: [41, 42, undefined] });
  });

  it("keeps the enclosing function's arguments", async () => {
    await same(`
      function f() { return __awaiter(this, arguments, void 0, function* () { return [].slice.call(arguments).join(',') + (yield 1); }); }
      module.exports.run = () => f('a', 'b');`, 1);
  });

  it('rejects (does not throw) when the body throws before the first await, and passes rejections in', async () => {
    const early = await same(`
      function f() { return __awaiter(this, void 0, void 0, function* () { throw new Error('early'); }); }
      module.exports.run = () => { const p = f(); return p.then(() => 'no', (e) => 'rejected: ' + e.message); };`, 1);
    expect(early).toEqual({ value: 'rejected: early' });
    const caught = await same(`
      function f() { return __awaiter(this, void 0, void 0, function* () { try { yield Promise.reject(new Error('late')); } catch (e) { return 'caught ' + e.message; } }); }
      module.exports.run = () => f();`, 1);
    expect(caught).toEqual({ value: 'caught late' });
  });

  it('keeps the parentheses an awaited expression comes in, and nested calls', async () => {
    await same(`
      function g(v) { return __awaiter(this, void 0, void 0, function* () { return (yield v) * 2; }); }
      function f() { var _a; return __awaiter(this, void 0, void 0, function* () { _a = null; const x = yield ((_a) === null || _a === void 0 ? g(3) : 0); return x + (yield g(yield 1)); }); }
      module.exports.run = () => f();`, 2);
  });

  it('leaves a real generator inside an async method a generator', async () => {
    await same(`
      function f() { return __awaiter(this, void 0, void 0, function* () { function* gen() { yield 1; yield 2; } return [...gen()].concat(yield 3); }); }
      module.exports.run = () => f();`, 1);
  });

  it('leaves alone what it cannot prove the same: yield*, a `this` other than this, parameters', async () => {
    await same(`
      function* inner() { yield 1; return 2; }
      function f() { return __awaiter(this, void 0, void 0, function* () { return yield* inner(); }); }
      module.exports.run = () => f().then(String);`, 0);
    await same(`
      const obj = { v: 7, m() { const _this = { v: 9 }; return __awaiter(_this, void 0, void 0, function* () { return this.v; }); } };
      module.exports.run = () => obj.m();`, 0);
    await same(`
      function f() { return __awaiter(this, void 0, void 0, function* (x) { return x; }); }
      module.exports.run = () => f();`, 0);
  });

  it('rewrites a call whose `this` is void 0 when the body does not use `this`', async () => {
    await same(`
      const wrap = (p) => __awaiter(void 0, void 0, void 0, function* () { return (yield p) + 1; });
      module.exports.run = () => wrap(Promise.resolve(1));`, 1);
  });

  it("rewrites every async method of botbuilder-dialogs' DialogContext and the result still parses", () => {
    const code = readFileSync('node_modules/botbuilder-dialogs/lib/dialogContext.js', 'utf8');
    const { code: rewritten, count } = toNativeAsync(code);
    expect(count).toBeGreaterThanOrEqual(10);
    expect(rewritten).not.toMatch(/__awaiter\(this, void 0, void 0, function\*/);
    expect(rewritten).toContain('(async () => {');
  });
});
