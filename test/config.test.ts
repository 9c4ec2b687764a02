import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema, parseConfig } from '../src/config.js';

const required = {
  DISCORD_TOKEN: 'token-value-123',
  DISCORD_GUILD_IDS: '123456789012345678',
  SCENARIO_SDK_API_KEY: 'key-value',
  SCENARIO_SDK_API_SECRET: 'secret-value',
};

describe('parseConfig', () => {
  it('keeps the health endpoint on loopback unless told otherwise', () => {
    const result = parseConfig({ ...required, HEALTH_PORT: '8080' });
    expect(result.ok && result.config.HEALTH_HOST).toBe('127.0.0.1');
  });

  it('names every missing variable in one message', () => {
    const result = parseConfig({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const name of Object.keys(required)) expect(result.message).toContain(`${name}: is missing`);
  });

  it('treats empty values (a copied .env.example) as missing', () => {
    const result = parseConfig({ ...required, DISCORD_TOKEN: '' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('DISCORD_TOKEN: is missing');
  });

  it.each([
    ['DISCORD_GUILD_IDS', 'not-an-id', 'Discord id'],
    ['STORE_URL', 'mysql://x', 'sqlite:// or redis://'],
    ['SCENARIO_REQUESTS_PER_MINUTE', '500', 'SCENARIO_REQUESTS_PER_MINUTE'],
    ['SCENARIO_API_URL', 'ftp://x', 'SCENARIO_API_URL'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL'],
    ['REGISTER_COMMANDS_ON_START', 'maybe', 'REGISTER_COMMANDS_ON_START'],
  ])('rejects a malformed %s', (name, value, expected) => {
    const result = parseConfig({ ...required, [name]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain(name);
      expect(result.message).toContain(expected);
    }
  });

  it('never repeats a secret value in its message', () => {
    const result = parseConfig({ ...required, DISCORD_GUILD_IDS: 'bad', STORE_URL: 'nope' });
    expect(result.ok).toBe(false);
    if (!result.ok)
      for (const secret of Object.values(required).slice(0, 1).concat(['key-value', 'secret-value']))
        expect(result.message).not.toContain(secret);
  });

  it('applies defaults and trusts the attachment host of an overridden Discord API', () => {
    const result = parseConfig({
      ...required,
      DISCORD_GUILD_IDS: '123456789012345678, 223456789012345678',
      DISCORD_API_URL: 'http://127.0.0.1:5555/api/',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.DISCORD_GUILD_IDS).toEqual(['123456789012345678', '223456789012345678']);
    expect(result.config.DISCORD_API_URL).toBe('http://127.0.0.1:5555/api');
    expect(result.config.STORE_URL).toBe('sqlite://data/bot.sqlite');
    expect(result.config.SCENARIO_API_URL).toBe('https://api.cloud.scenario.com/v1');
    expect(result.config.SCENARIO_REQUESTS_PER_MINUTE).toBe(90);
    expect(result.config.DISCORD_ATTACHMENT_HOSTS).toContain('127.0.0.1:5555');
    expect(result.config.DISCORD_ATTACHMENT_HOSTS).toContain('cdn.discordapp.com');
    expect(Object.isFrozen(result.config)).toBe(true);
  });

  it('lists every setting in .env.example, each with its default', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = Object.fromEntries(
      example
        .split('\n')
        .flatMap((line) => (/^[A-Z0-9_]+=/.test(line) ? [line.split(/=(.*)/s).slice(0, 2)] : [])),
    ) as Record<string, string>;
    expect(Object.keys(listed).sort()).toEqual(Object.keys(envSchema.shape).sort());
    const defaults = parseConfig(required);
    const copied = parseConfig({ ...listed, ...required });
    expect(copied.ok && defaults.ok).toBe(true);
    if (copied.ok && defaults.ok) expect(copied.config).toEqual(defaults.config);
  });
});
