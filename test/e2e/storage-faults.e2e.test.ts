import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT } from '../../src/discord/messages.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import {
  answerTo,
  deliveredFor,
  type Harness,
  type Invocation,
  skyboxGpt,
  startHarness,
} from '../support/harness.js';
import { type OwnRedisServer, startOwnRedisServer } from '../support/redis-server.js';

/** What a member does when told to try again in a moment: runs the command again until it is served. */
async function retryUntilServed(h: Harness, invocation: Invocation, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const handle = h.discord.invokeSlashCommand(invocation);
    const answer = await answerTo(h, handle);
    if (answer.content !== TEXT.storageUnavailable) return { handle, answer };
    if (Date.now() > deadline) throw new Error('the store never came back for the bot');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('the Redis server stopped and started again, end to end', () => {
  let redis: OwnRedisServer;
  let h: Harness;
  let healthPort: number;
  const health = async () => {
    const response = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    return { status: response.status, body: await response.json() };
  };
  beforeAll(async () => {
    redis = await startOwnRedisServer();
    healthPort = await freePort();
    h = await startHarness({ env: { STORE_URL: redis.url, HEALTH_PORT: String(healthPort) } });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
    await redis?.close();
  });

  it('says "storage unavailable, nothing was spent" while Redis is down, and recovers without a restart', async () => {
    const { alice } = h.discord.ids;
    await redis.stop();

    const refused = h.discord.invokeSlashCommand(skyboxGpt(alice, 'while the store is down'));
    const refusal = await answerTo(h, refused);
    expect(refusal.visibleTo).toBe(alice);
    expect(refusal.content).toBe(TEXT.storageUnavailable);
    expect(refusal.content).toContain('nothing was spent');
    const quotaMe = h.discord.invokeSlashCommand({ user: alice, name: 'quota', subcommand: 'me' });
    expect((await answerTo(h, quotaMe)).content).toBe(TEXT.storageUnavailable);
    expect(h.scenario.generateCalls()).toHaveLength(0);
    expect(await health()).toEqual({ status: 503, body: { gateway: 'ready', store: 'unavailable' } });

    await redis.start();
    const { handle } = await retryUntilServed(h, skyboxGpt(alice, 'after the store came back'));
    const done = await deliveredFor(h, handle);
    expect(done.content).toMatch(/49 of 50 credits left/);
    expect(h.scenario.generateCalls()).toHaveLength(1);
    const status = await h.bot.deps.quota.status(h.discord.guildId, alice);
    expect(status).toMatchObject({ spent: 1, reserved: 0 });
    expect(await health()).toEqual({ status: 200, body: { gateway: 'ready', store: 'ok' } });
  }, 60_000);

  it('delivers a job whose store went away while it ran, once the store is back', async () => {
    const { bob } = h.discord.ids;
    const handle = h.discord.invokeSlashCommand(skyboxGpt(bob, 'a job outliving its store'));
    const before = h.scenario.generateCalls().length;
    await h.discord.waitFor(
      () => h.scenario.generateCalls().length > before || undefined,
      10_000,
      'the submission',
    );
    await h.discord.waitFor(
      () => h.discord.originalMessage(handle)?.content.includes('seed') || undefined,
      10_000,
      'the first progress message',
    );
    await redis.stop();
    // The job finishes on Scenario (1.5 s) while the store is away. Redis also holds the Scenario request
    // window every instance counts in: while it cannot be reached the bot sends Scenario nothing (it could
    // not count the request), so it holds its polls until the store is back.
    await h.discord.waitFor(
      () => h.logs.some((line) => line.includes('cannot count Scenario requests')) || undefined,
      15_000,
      'the budget holding while the store is down',
    );
    const requestsBefore = h.scenario.requests.length;
    const job = [...h.scenario.jobs.values()].at(-1);
    await h.discord.waitFor(
      () => (job && Date.now() >= job.createdAt + job.durationMs) || undefined,
      15_000,
      'the job to finish on Scenario',
    );
    expect(h.discord.outcomeOf(handle)).toBeUndefined();
    expect(h.scenario.requests.slice(requestsBefore).filter((entry) => entry.api)).toEqual([]);
    await redis.start();

    const done = await deliveredFor(h, handle, 30_000);
    expect(done.attachments).toHaveLength(1);
    expect(h.scenario.generateCalls()).toHaveLength(before + 1);
    await eventually(
      async () => {
        const status = await h.bot.deps.quota.status(h.discord.guildId, bob);
        return status.spent === 1 && status.reserved === 0 ? status : undefined;
      },
      10_000,
      'the credit committed',
    );
    await h.discord.waitFor(
      () => h.bot.tracker.pendingCount() === 0 || undefined,
      10_000,
      'the job to leave the tracker',
    );
  }, 60_000);
});

describe('the SQLite database locked by another process, end to end', () => {
  let dir: string;
  let h: Harness;
  let path: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bot-locked-'));
    path = join(dir, 'bot.sqlite');
    h = await startHarness({ env: { STORE_URL: `sqlite://${path}` } });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to run unmetered while it cannot write, and serves again once the lock is gone', async () => {
    const { alice } = h.discord.ids;
    // The start-up reads of the seed models' schemas are stored first: a schema write caught by the lock
    // would hold the command behind it for another busy timeout.
    await h.discord.waitFor(
      () => h.scenario.schemaReads().length >= 4 || undefined,
      10_000,
      'the schema reads',
    );
    await eventually(
      async () => ((await h.bot.deps.quota.status(h.discord.guildId, alice)) ? true : undefined),
      10_000,
      'the store to answer',
    );
    // Another process (a backup, an admin's sqlite3 shell) holds the write lock.
    const other = new KeyvSqlite({ uri: `sqlite://${path}` });
    await other.query('BEGIN EXCLUSIVE');
    try {
      const refused = h.discord.invokeSlashCommand(skyboxGpt(alice, 'while the database is locked'));
      // The bot waits out SQLite's 5 s busy timeout before giving up.
      const refusal = await answerTo(h, refused, 15_000);
      expect(refusal.visibleTo).toBe(alice);
      expect(refusal.content).toBe(TEXT.storageUnavailable);
      expect(h.scenario.generateCalls()).toHaveLength(0);
    } finally {
      await other.query('COMMIT');
      await other.disconnect();
    }
    const served = h.discord.invokeSlashCommand(skyboxGpt(alice, 'after the lock is gone'));
    await deliveredFor(h, served);
    expect(h.scenario.generateCalls()).toHaveLength(1);
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 1, reserved: 0 });
  }, 60_000);
});
