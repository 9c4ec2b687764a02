import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAtMost } from '../../../src/services/net/bounded-body.js';
import {
  createSafeFetch,
  RefusedUrlError,
  type ResolvedAddress,
  type SafeFetch,
} from '../../../src/services/net/safe-fetch.js';
import { type SecretServer, startSecretServer } from '../../support/secret-server.js';

/**
 * The fetcher for URLs from Scenario's answers, against real local servers: a "Scenario" on a trusted
 * loopback origin whose answers redirect wherever a test says, and a secret service on another loopback
 * port that must never be reached.
 */
describe('safeFetch', () => {
  let scenario: Server;
  let origin: string;
  let secret: SecretServer;
  let fetchSafely: SafeFetch;
  const dns = new Map<string, ResolvedAddress[]>();
  const lookups: string[] = [];

  beforeAll(async () => {
    secret = await startSecretServer();
    scenario = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const hops = url.pathname.match(/^\/hops\/(\d+)$/);
      if (hops) {
        const left = Number(hops[1]);
        if (left === 0) return void response.end('arrived');
        return void response.writeHead(302, { location: `/hops/${left - 1}` }).end();
      }
      if (url.pathname === '/redirect')
        return void response.writeHead(302, { location: url.searchParams.get('to') ?? '' }).end();
      if (url.pathname === '/part' && request.method === 'PUT') {
        let received = 0;
        request.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
        request.on('end', () => response.writeHead(200, { etag: `"${received}"` }).end());
        return;
      }
      if (url.pathname === '/trickle') {
        // Headers and a first byte at once, then nothing more, ever.
        response.writeHead(200, { 'content-type': 'application/octet-stream' }).write('x');
        return;
      }
      if (url.pathname === '/moved-part')
        return void response.writeHead(307, { location: secret.url('/part') }).end();
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => scenario.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(scenario.address() as AddressInfo).port}`;
    fetchSafely = createSafeFetch({
      trustedOrigin: origin,
      resolve: async (hostname) => {
        lookups.push(hostname);
        return dns.get(hostname) ?? [];
      },
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      scenario.close(() => resolve());
      scenario.closeAllConnections();
    });
    await secret.close();
  });

  const text = async (url: string) => {
    const response = await fetchSafely(url);
    const body = await readAtMost(response.body, 1_000);
    return { status: response.status, text: body.ok ? body.bytes.toString() : undefined };
  };
  const refusalOf = async (url: string) => {
    const error = await fetchSafely(url).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(RefusedUrlError);
    return (error as RefusedUrlError).refusal;
  };

  it('follows redirects by hand within the trusted origin', async () => {
    expect(await text(`${origin}/hops/3`)).toEqual({ status: 200, text: 'arrived' });
  });

  it('follows at most 5 redirects', async () => {
    expect(await text(`${origin}/hops/5`)).toEqual({ status: 200, text: 'arrived' });
    expect(await refusalOf(`${origin}/hops/6`)).toEqual({ reason: 'too_many_redirects', max: 5 });
  });

  it.each([
    ['plain http to another loopback port', () => secret.url(), { reason: 'scheme' }],
    ['the cloud metadata service', () => 'http://169.254.169.254/latest/meta-data/', { reason: 'scheme' }],
    [
      'https to the metadata service',
      () => 'https://169.254.169.254/latest/meta-data/',
      { reason: 'address', class: 'link_local' },
    ],
    [
      'a decimal loopback host',
      () => `https://2130706433:${secret.port}/secret`,
      { reason: 'address', host: '127.0.0.1', class: 'loopback' },
    ],
    [
      'an IPv4-mapped IPv6 loopback host',
      () => `https://[::ffff:127.0.0.1]:${secret.port}/secret`,
      { reason: 'address', class: 'loopback' },
    ],
    ['a data: URL', () => 'data:text/plain,hello', { reason: 'scheme', scheme: 'data:' }],
    ['a file: URL', () => 'file:///etc/passwd', { reason: 'scheme', scheme: 'file:' }],
    [
      'a name whose DNS answer includes a private address',
      () => `https://mixed.example.test:${secret.port}/`,
      { reason: 'address', host: 'mixed.example.test', address: '10.0.0.7', class: 'private' },
    ],
    [
      'a name that resolves to loopback',
      () => `https://rebind.example.test:${secret.port}/`,
      { reason: 'address', address: '127.0.0.1', class: 'loopback' },
    ],
    ['a name with no address', () => 'https://nowhere.example.test/', { reason: 'unresolved' }],
  ])('refuses a redirect to %s, and never connects there', async (_label, target, expected) => {
    dns.set('mixed.example.test', [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);
    dns.set('rebind.example.test', [{ address: '127.0.0.1', family: 4 }]);
    const before = secret.connections();
    const refusal = await refusalOf(`${origin}/redirect?to=${encodeURIComponent(target())}`);
    expect(refusal).toMatchObject(expected);
    expect(secret.connections()).toBe(before);
  });

  it('refuses a first URL the same way as a redirect', async () => {
    expect(await refusalOf(secret.url())).toMatchObject({ reason: 'scheme' });
    expect(secret.connections()).toBe(0);
  });

  it('asks DNS once per connection, through the lookup the connection uses', async () => {
    dns.set('once.example.test', [{ address: '192.168.1.20', family: 4 }]);
    lookups.length = 0;
    await refusalOf('https://once.example.test/file');
    expect(lookups).toEqual(['once.example.test']);
  });

  it('resolves names with the system resolver by default (localhost is loopback)', async () => {
    const withDns = createSafeFetch({ trustedOrigin: origin });
    const error = await withDns(`https://localhost:${secret.port}/secret`).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RefusedUrlError);
    expect((error as RefusedUrlError).refusal).toMatchObject({ reason: 'address', class: 'loopback' });
    expect(secret.connections()).toBe(0);
  });

  it('gives up on a body that stalls once its signal fires', async () => {
    const response = await fetchSafely(`${origin}/trickle`, { signal: AbortSignal.timeout(300) });
    expect(response.status).toBe(200);
    const error = await readAtMost(response.body, 1_000).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
  });

  it('PUTs a body to the trusted origin', async () => {
    const response = await fetchSafely(`${origin}/part`, { method: 'PUT', body: new Uint8Array(1234) });
    response.discard();
    expect(response.status).toBe(200);
    expect(response.headers.etag).toBe('"1234"');
  });

  it('does not follow a redirect answered to a PUT', async () => {
    const response = await fetchSafely(`${origin}/moved-part`, { method: 'PUT', body: new Uint8Array(10) });
    response.discard();
    expect(response.status).toBe(307);
    expect(response.ok).toBe(false);
    expect(secret.connections()).toBe(0);
  });
});
