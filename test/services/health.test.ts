import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Status } from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthServer } from '../../src/services/health.js';
import { createStore, type Store } from '../../src/services/store/store.js';

describe('the health endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'health-'));
  let store: Store;
  let reads = 0;
  let now = 1_000_000;
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  const url = (path = '/healthz') => `http://127.0.0.1:${health.port}${path}`;
  beforeAll(async () => {
    store = await createStore({
      url: `sqlite://${join(dir, 'bot.sqlite')}`,
      logger: pino({ level: 'silent' }),
    });
    health = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      client: { ws: { status: Status.Ready } },
      // The real store's read, counted.
      store: {
        ping: () => {
          reads += 1;
          return store.ping();
        },
      },
      logger: pino({ level: 'silent' }),
      clock: { now: () => now, sleep: async () => undefined },
    });
  });
  afterAll(async () => {
    await health?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers GET and HEAD with the gateway and store status', async () => {
    const get = await fetch(url());
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ gateway: 'ready', store: 'ok' });
    const head = await fetch(url(), { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('refuses %s with 405 and reads nothing', async (method) => {
    const before = reads;
    now += 5_000;
    const response = await fetch(url(), { method, body: method === 'DELETE' ? undefined : 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(reads).toBe(before);
  });

  it('reads the store at most once a second however often it is asked', async () => {
    now += 5_000;
    const before = reads;
    await Promise.all(Array.from({ length: 20 }, () => fetch(url()).then((response) => response.text())));
    expect(reads - before).toBe(1);
    now += 1_000;
    await fetch(url()).then((response) => response.text());
    expect(reads - before).toBe(2);
  });

  it('writes nothing to the store', async () => {
    now += 5_000;
    await fetch(url()).then((response) => response.text());
    // What a write by a probe would have left: any key under the health namespace.
    const sqlite = await import('sqlite3');
    const db = new sqlite.default.Database(join(dir, 'bot.sqlite'));
    const rows = await new Promise<unknown[]>((resolve, reject) =>
      db.all("SELECT key FROM keyv WHERE key LIKE '%health%'", (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    );
    db.close();
    expect(rows).toEqual([]);
  });

  it('is not reachable on the machine’s other addresses when bound to loopback', async () => {
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && !address.internal && address.family === 'IPv4');
    // This machine has one (eth0); a machine with loopback only has nothing else to try.
    if (!outside) return;
    await expect(fetch(`http://${outside.address}:${health.port}/healthz`)).rejects.toThrow();
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(url('/'))).status).toBe(404);
  });
});
