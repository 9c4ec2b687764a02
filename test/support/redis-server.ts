import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/**
 * A real redis-server of our own (Debian's package; .ci/run makes sure it is installed), on a free port,
 * so a test can stop and restart it without touching the suite's shared server (test/support/global-redis.ts). The append-only file
 * keeps what was written across a stop, as a production server with persistence would.
 */
/** The one line a machine without the binary gets, instead of a spawn error. */
export const MISSING_BINARY =
  'redis-server is not installed: install it (`apt-get install redis-server`, `brew install redis`) or set TEST_REDIS_URL to a running server';

export interface OwnRedisServer {
  url: string;
  start(): Promise<void>;
  /** SHUTDOWN-like stop: the server flushes its append-only file and exits. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startOwnRedisServer(): Promise<OwnRedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bot-redis-'));
  let child: ChildProcess | undefined;
  const server: OwnRedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = spawn(
        'redis-server',
        ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'yes', '--dir', dir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = started;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('redis-server did not start in 10 s')), 10_000);
        started.once('error', (error: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(error.code === 'ENOENT' ? new Error(MISSING_BINARY) : error);
        });
        started.stdout?.on('data', (chunk) => {
          if (String(chunk).includes('Ready to accept connections')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM'); // redis-server shuts down cleanly on SIGTERM, like SHUTDOWN
      await exited;
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
