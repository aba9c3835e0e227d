/**
 * The documentation cannot drift from the code: every check here compares what a page
 * says with what the repository holds (files, scripts, settings, imports, pragmas).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configSchema } from '../src/config';
import { END, SETTINGS_FILE, START, settingsTable, withTable } from '../scripts/settings-table';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const exists = (file: string): boolean => fs.existsSync(path.join(ROOT, file));

const pages = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const readme = read('README.md');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const settingKeys = Object.keys(configSchema.shape);

/** Outputs that scripts write and git ignores or that appear once staff export labels; pages may name them. */
const GENERATED = ['appPackage/build', 'tests/artifacts', 'bench/profiles', 'tests/data/triage-reviewed.yaml'];

/** Text outside fenced code blocks (examples there are not links or claims about files). */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative link targets of a page: markdown links and images, and HTML src/href. */
function relativeLinks(markdown: string): string[] {
  const text = prose(markdown);
  const targets = [
    ...[...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]!),
  ];
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe('links', () => {
  it.each(pages)('every relative link in %s resolves to a file (and heading) inside the repository', (page) => {
    const broken: string[] = [];
    for (const link of relativeLinks(read(page))) {
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const target = file ? path.normalize(path.join(path.dirname(page), decodeURIComponent(file))) : page;
      if (target.startsWith('..') || path.isAbsolute(target)) {
        broken.push(`${link} (leaves the repository)`);
      } else if (!exists(target)) {
        broken.push(`${link} (no file ${target})`);
      } else if (anchor && target.endsWith('.md') && !anchors(read(target)).has(anchor)) {
        broken.push(`${link} (no heading #${anchor} in ${target})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it.each(pages)('every repository path %s names in backticks exists', (page) => {
    const missing = [...prose(read(page)).matchAll(/`((?:src|tests|scripts|triage|dialogs|intents|public|appPackage|bench|reports)\/[^`\s]*)`/g)]
      .map((m) => m[1]!.replace(/[:#].*$/, '').replace(/\/$/, ''))
      .filter((p) => !/[<>*{}$]/.test(p) && !GENERATED.some((g) => p.startsWith(g)) && !exists(p));
    expect([...new Set(missing)]).toEqual([]);
  });

  it('every page in docs/ is reachable from the README, directly or through another page', () => {
    const reached = new Set<string>(['README.md']);
    const queue = ['README.md'];
    while (queue.length > 0) {
      const page = queue.shift()!;
      for (const link of relativeLinks(read(page))) {
        const file = link.split('#')[0];
        if (!file?.endsWith('.md')) continue;
        const target = path.normalize(path.join(path.dirname(page), file));
        if (!reached.has(target) && exists(target)) {
          reached.add(target);
          queue.push(target);
        }
      }
    }
    expect(pages.filter((p) => !reached.has(p))).toEqual([]);
  });
});

describe('npm scripts', () => {
  it('every npm script the README and docs name exists in package.json', () => {
    const unknown: string[] = [];
    for (const page of pages) {
      for (const m of read(page).matchAll(/\bnpm (?:run (?:-s )?([a-z][\w:-]*)|(start|test)\b)/g)) {
        const script = m[1] ?? m[2]!;
        if (!(script in pkg.scripts)) unknown.push(`${page}: npm run ${script}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  // pre/post hooks run with their script.
  const userScripts = Object.keys(pkg.scripts).filter((s) => !/^(pre|post)/.test(s));

  it('the README lists every script of package.json in its scripts table', () => {
    const table = readme.slice(readme.indexOf('## Scripts'));
    const listed = new Set([...table.matchAll(/^\| `npm (?:run (?:-s )?)?([\w:-]+)/gm)].map((m) => m[1]!));
    for (const m of table.matchAll(/`npm run ([\w:-]+)`/g)) listed.add(m[1]!);
    expect(userScripts.filter((s) => !listed.has(s))).toEqual([]);
  });
});

describe('settings', () => {
  it('the settings table in docs/configuration.md is the one the schema generates (npm run docs:settings)', () => {
    const doc = read(SETTINGS_FILE);
    expect(doc).toContain(START);
    expect(doc).toContain(END);
    expect(withTable(doc, settingsTable())).toBe(doc);
  });

  it('the table has one row per setting, each with a default and a description', () => {
    const rows = settingsTable().split('\n').slice(2);
    expect(rows.map((r) => /^\| `([^`]+)` \|/.exec(r)?.[1])).toEqual(settingKeys);
    for (const row of rows) expect(row.split(' | ').every((cell) => cell.replace(/\|/g, '').trim() !== '')).toBe(true);
  });

  it('the generated defaults are what the bot runs with on an empty environment', () => {
    const defaults = configSchema.parse({});
    const table = settingsTable();
    expect(table).toContain(`| \`PORT\` | \`${defaults.PORT}\` |`);
    expect(table).toContain(`| \`EMERGENCY_NUMBER\` | \`${defaults.EMERGENCY_NUMBER}\` |`);
    expect(table).toContain('| `MicrosoftAppId` | empty |');
  });

  it('a setting without a description stops the generator, naming it', () => {
    const undocumented = z.object({ PORT: configSchema.shape.PORT, NEW_SETTING: z.string().optional() });
    expect(() => settingsTable(undocumented)).toThrow(/setting NEW_SETTING has no \.describe\(\) text/);
    expect(settingsTable(z.object({ PORT: configSchema.shape.PORT }))).toMatch(/^\| `PORT` \| `\d+` \| HTTP port\. \|$/m);
  });

  it('.env.example lists every setting, and nothing that is not one', () => {
    const envExample = read('.env.example');
    const listed = [...envExample.matchAll(/^#? ?([A-Za-z_]+)=/gm)].map((m) => m[1]!);
    expect(settingKeys.filter((k) => !listed.includes(k))).toEqual([]);
    expect([...envExample.matchAll(/^([A-Za-z_]+)=/gm)].map((m) => m[1]!).filter((k) => !settingKeys.includes(k))).toEqual([]);
  });
});

describe('statements checked against the code', () => {
  it('docs/storage.md states the SQLite synchronous mode src/storage/sqlite.ts sets', () => {
    const code = /pragma\('synchronous\s*=\s*(\w+)'\)/i.exec(read('src/storage/sqlite.ts'));
    expect(code).not.toBeNull();
    const stated = [...read('docs/storage.md').matchAll(/synchronous\s*=\s*(\w+)/gi)].map((m) => m[1]!.toUpperCase());
    expect(stated.length).toBeGreaterThan(0);
    expect(new Set(stated)).toEqual(new Set([code![1]!.toUpperCase()]));
  });

  const importsOf = (dir: string): { file: string; spec: string }[] =>
    fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...read(path.join(dir, f)).matchAll(/\bfrom '([^']+)'/g)].map((m) => ({ file: `${dir}/${f}`, spec: m[1]! })));

  it('src/domain/ imports no botbuilder, restify or storage code (docs/architecture.md)', () => {
    const bad = importsOf('src/domain').filter(({ spec }) => /^(botbuilder|restify)/.test(spec) || /^\.\.\/(?!config$)/.test(spec));
    expect(bad).toEqual([]);
  });

  it('src/storage/ imports nothing from the turn, triage, dialogs or NLU code (docs/architecture.md)', () => {
    const bad = importsOf('src/storage').filter(({ spec }) => /^\.\.\/+(turn|triage|dialogs|nlu)\b/.test(spec));
    expect(bad).toEqual([]);
  });

  it('docs/architecture.md names the middleware files in the order src/turn/pipeline.ts runs them', () => {
    const pipeline = read('src/turn/pipeline.ts');
    const list = pipeline.slice(pipeline.indexOf('const middleware'), pipeline.indexOf('];', pipeline.indexOf('const middleware')));
    const classes = [...list.matchAll(/new (\w+)\(/g)].map((m) => m[1]!);
    const fileOf = new Map([...pipeline.matchAll(/import \{ (\w+)[^}]*\} from '\.\/([\w-]+)'/g)].map((m) => [m[1]!, m[2]!]));
    const files = classes.map((c) => fileOf.get(c)).filter((f): f is string => Boolean(f && /^\d-/.test(f)));
    // Reply metadata (7) is a send hook registered early; the numbered steps 1–5 run in file order.
    const steps = files.filter((f) => !f.startsWith('7-'));
    expect(steps).toEqual([...steps].sort());
    const doc = read('docs/architecture.md');
    const documented = [...doc.matchAll(/^\| \d \| `src\/turn\/([\w-]+)\.ts` \|/gm)].map((m) => m[1]!);
    const onDisk = fs.readdirSync(path.join(ROOT, 'src/turn')).filter((f) => /^\d-.*\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort();
    expect(documented).toEqual(onDisk);
  });

  it.each([
    ['postgres', /\b(describePg|pgAvailable|createPgSchema|TEST_DATABASE_URL)\b/],
    ['browser', /\b(launchBrowser|browserAvailable)\b/],
  ] as const)('docs/architecture.md lists exactly the test files that need %s', (name, pattern) => {
    const needing = fs.readdirSync(path.join(ROOT, 'tests')).filter((f) => f.endsWith('.test.ts') && f !== 'docs.test.ts' && pattern.test(read(`tests/${f}`))).map((f) => `tests/${f}`).sort();
    const doc = read('docs/architecture.md');
    const start = doc.indexOf(`<!-- tests:${name}:start -->`);
    const end = doc.indexOf(`<!-- tests:${name}:end -->`);
    expect(start).toBeGreaterThan(0);
    const listed = [...doc.slice(start, end).matchAll(/^- `([^`]+)`$/gm)].map((m) => m[1]!).sort();
    expect(listed).toEqual(needing);
  });
});
