import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Status } from 'discord.js';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';

export interface HealthDeps {
  port: number;
  /** 127.0.0.1 unless widened (HEALTH_HOST=0.0.0.0 in a container whose orchestrator probes from outside). */
  host: string;
  /** The Discord client (only its gateway status is read). */
  client: { ws: { status: Status } };
  /** A read that tells whether the store answers; never a write. */
  store: { ping(): Promise<boolean> };
  logger: Logger;
  clock: Clock;
}

/** However often the endpoint is asked, the store is read at most once per this interval. */
const ANSWER_TTL_MS = 1_000;

/**
 * GET or HEAD /healthz → 200 when the gateway is connected and the store answers, else 503 (the container
 * HEALTHCHECK). Other methods get 405, other paths 404. It writes nothing and reads the store at most once
 * a second, so a flood of probes costs the store nothing more.
 */
export async function startHealthServer(deps: HealthDeps): Promise<{ port: number; close(): Promise<void> }> {
  let cached: { at: number; answer: Promise<{ gateway: string; store: string }> } | undefined;
  const check = () => {
    const now = deps.clock.now();
    if (!cached || now - cached.at >= ANSWER_TTL_MS) {
      const answer = deps.store
        .ping()
        .catch(() => false)
        .then((storeOk) => ({
          gateway: deps.client.ws.status === Status.Ready ? 'ready' : 'disconnected',
          store: storeOk ? 'ok' : 'unavailable',
        }));
      cached = { at: now, answer };
    }
    return cached.answer;
  };
  const server = createServer(async (request, response) => {
    if (new URL(request.url ?? '/', 'http://health').pathname !== '/healthz') {
      response.writeHead(404).end();
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const status = await check();
    const healthy = status.gateway === 'ready' && status.store === 'ok';
    response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    response.end(request.method === 'HEAD' ? undefined : JSON.stringify(status));
  });
  // Probes are tiny: a slow or idle client is not kept around.
  server.requestTimeout = 5_000;
  server.headersTimeout = 5_000;
  server.maxConnections = 32;
  await new Promise<void>((resolve) => server.listen(deps.port, deps.host, resolve));
  const port = (server.address() as AddressInfo).port;
  deps.logger.info({ port, host: deps.host }, 'health endpoint listening');
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
