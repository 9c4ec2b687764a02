import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * No container engine runs here: compose.yaml is checked as data. Two bot instances share one Redis (one
 * store, one Scenario request window), start only once Redis answers its health check, and keep Redis's
 * data on a named volume.
 */
const compose = parse(readFileSync(new URL('../compose.yaml', import.meta.url), 'utf8')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const envExample = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string | string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { test: string[]; interval?: string; retries?: number };
}

const bots = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

describe('compose.yaml', () => {
  it('runs Redis with its data on a named volume, persisted, with a health check', () => {
    const redis = compose.services.redis;
    expect(redis?.image).toMatch(/^redis:/);
    expect(redis?.command?.join(' ')).toContain('--appendonly yes');
    const mount = redis?.volumes?.find((volume) => volume.endsWith(':/data'));
    const volumeName = mount?.split(':')[0] ?? '';
    expect(Object.keys(compose.volumes ?? {})).toContain(volumeName);
    expect(redis?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('runs two bot instances from the Dockerfile, both on that Redis', () => {
    expect(bots.map(([name]) => name)).toEqual(['bot-1', 'bot-2']);
    for (const [, bot] of bots) {
      expect(bot.build).toBe('.');
      expect(bot.env_file).toBe('.env');
      expect(bot.environment?.STORE_URL).toBe('redis://redis:6379');
    }
  });

  it('starts each instance only once Redis is healthy', () => {
    for (const [, bot] of bots) {
      expect(bot.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    }
  });

  it('checks each instance on its /healthz, on the port the image serves it', () => {
    const port = /HEALTH_PORT=(\d+)/.exec(dockerfile)?.[1];
    expect(port).toBeDefined();
    for (const [, bot] of bots) {
      expect(bot.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/healthz`);
    }
  });

  it('gives the instances different guilds and one request budget', () => {
    const guilds = bots.map(([, bot]) => bot.environment?.DISCORD_GUILD_IDS);
    expect(new Set(guilds).size).toBe(2);
    // The shared window is sized by SCENARIO_REQUESTS_PER_MINUTE: one value (from .env) for every instance.
    for (const [, bot] of bots) expect(bot.environment?.SCENARIO_REQUESTS_PER_MINUTE).toBeUndefined();
  });

  it('sets only settings the bot knows', () => {
    for (const [, bot] of bots) {
      for (const name of Object.keys(bot.environment ?? {})) {
        expect(envExample).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
      }
    }
  });
});
