import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { configSchema } from '../src/config';

const readme = fs.readFileSync('README.md', 'utf8');
const envExample = fs.readFileSync('.env.example', 'utf8');
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

describe('the documentation stays true', () => {
  const keys = Object.keys(configSchema.shape);

  it.each(keys)('documents %s in .env.example and in the README settings table', (key) => {
    expect(envExample).toMatch(new RegExp(`^#? ?${key}=`, 'm'));
    expect(readme).toContain(`| \`${key}\` |`);
  });

  it('documents no setting that does not exist', () => {
    const documented = [...envExample.matchAll(/^([A-Za-z_]+)=/gm)].map((m) => m[1]);
    expect(documented.filter((k) => !keys.includes(k!))).toEqual([]);
  });

  it('gives the two-command quick start', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toMatch(/^npm test$/m);
  });

  // pre/post hooks run with their script; the README explains them there.
  const userScripts = Object.keys(pkg.scripts).filter((s) => !/^(pre|post)/.test(s));

  it.each(userScripts)('mentions the script %s', (script) => {
    expect(readme).toMatch(new RegExp(`npm (run (-s )?)?${script.replace(':', ':')}\\b`));
  });
});
