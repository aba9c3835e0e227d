import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ConfigError, parseConfig } from '../src/config';

function configError(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('configuration', () => {
  it('has working defaults for local use: port 3978, SQLite, no auth', () => {
    const config = parseConfig({});
    expect(config.PORT).toBe(3978);
    expect(config.DATABASE_URL).toBe('sqlite:./data/calfbot.db');
    expect(config.MicrosoftAppId).toBeUndefined();
    expect(config.EMERGENCY_NUMBER).toBe('999');
    expect(config.RATE_LIMIT_MESSAGES).toBe(20);
  });

  it('treats empty values as unset, as in a copied .env.example', () => {
    const config = parseConfig({ MicrosoftAppId: '', MicrosoftAppPassword: '', PORT: '', ESCALATION_WEBHOOK_URL: '' });
    expect(config.MicrosoftAppId).toBeUndefined();
    expect(config.PORT).toBe(3978);
    expect(config.ESCALATION_WEBHOOK_URL).toBeUndefined();
  });

  it('names the variable and the problem for a bad port', () => {
    expect(configError({ PORT: 'abc' })).toBe('Invalid configuration: PORT="abc" must be a whole number');
  });

  it('bounds the database timeout: short by default, never zero', () => {
    expect(parseConfig({}).DATABASE_TIMEOUT_MS).toBe(1500);
    expect(parseConfig({ DATABASE_TIMEOUT_MS: '800' }).DATABASE_TIMEOUT_MS).toBe(800);
    expect(configError({ DATABASE_TIMEOUT_MS: '0' })).toBe('Invalid configuration: DATABASE_TIMEOUT_MS="0" must be at least 100');
  });

  it('lists the allowed values for MicrosoftAppType', () => {
    expect(configError({ MicrosoftAppType: 'Anything' })).toMatch(/^Invalid configuration: MicrosoftAppType="Anything" must be one of MultiTenant, SingleTenant, UserAssignedMSI$/);
  });

  it('rejects an unknown storage scheme, a bad emergency number and a bad boolean', () => {
    expect(configError({ DATABASE_URL: 'mysql://x' })).toContain('DATABASE_URL');
    expect(configError({ EMERGENCY_NUMBER: 'call 911' })).toContain('EMERGENCY_NUMBER');
    expect(configError({ ESCALATION_INCLUDE_TEXT: 'maybe' })).toContain('ESCALATION_INCLUDE_TEXT');
  });

  it('reports every bad variable, one line each', () => {
    const lines = configError({ PORT: '70000', LOG_LEVEL: 'loud' }).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('PORT');
    expect(lines[1]).toContain('LOG_LEVEL');
  });

  it('stops start-up with one clear line and no stack trace', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      env: { ...process.env, PORT: 'abc', DATABASE_URL: 'memory:' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('calfbot: Invalid configuration: PORT="abc" must be a whole number');
    expect(result.stdout).toBe('');
  });
});
