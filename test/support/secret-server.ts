import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A service inside the bot's network that a link from outside must never reach: it would answer a secret
 * string, and it counts every TCP connection made to it (a refused TLS handshake or a half-sent request
 * counts too), so "never contacted" can be asserted.
 */
export interface SecretServer {
  port: number;
  secret: string;
  /** http://127.0.0.1:<port><path> */
  url(path?: string): string;
  connections(): number;
  close(): Promise<void>;
}

export async function startSecretServer(): Promise<SecretServer> {
  const secret = `TOP-SECRET-${randomBytes(12).toString('hex')}`;
  let connections = 0;
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png' }).end(secret);
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    secret,
    url: (path = '/secret') => `http://127.0.0.1:${port}${path}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
