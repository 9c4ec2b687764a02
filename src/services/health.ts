import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Client, Status } from 'discord.js';
import type { Logger } from 'pino';

export interface HealthDeps {
  port: number;
  client: Client;
  store: { ping(): Promise<boolean> };
  logger: Logger;
}

/** GET /healthz → 200 when the gateway is connected and the store answers, else 503 (the container HEALTHCHECK). */
export async function startHealthServer(deps: HealthDeps): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer(async (request, response) => {
    if (request.url !== '/healthz') {
      response.writeHead(404).end();
      return;
    }
    const gateway = deps.client.ws.status === Status.Ready ? 'ready' : 'disconnected';
    const store = (await deps.store.ping().catch(() => false)) ? 'ok' : 'unavailable';
    const healthy = gateway === 'ready' && store === 'ok';
    response
      .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ gateway, store }));
  });
  await new Promise<void>((resolve) => server.listen(deps.port, resolve));
  const port = (server.address() as AddressInfo).port;
  deps.logger.info({ port }, 'health endpoint listening');
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
