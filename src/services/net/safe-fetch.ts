import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { classifyAddress, describeRefusal, judgeUrl, type UrlRefusal } from './address-policy.js';

/** A URL the bot will not fetch; `refusal` says why (the host and the rule, never the path or query). */
export class RefusedUrlError extends Error {
  override readonly name = 'RefusedUrlError';
  constructor(readonly refusal: UrlRefusal) {
    super(`refused to fetch: ${describeRefusal(refusal)}`);
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface SafeFetchOptions {
  /** The one origin exempt from the rules (see `trustedLoopbackOrigin`). */
  trustedOrigin?: string;
  /** Every address of a host name; DNS by default, a fixed table in tests (no network there). */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /** Redirects followed for a GET before giving up (each hop is judged like the first URL). */
  maxRedirects?: number;
}

export interface SafeRequest {
  method?: 'GET' | 'PUT';
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** For the whole exchange: every hop, and reading the body. */
  signal?: AbortSignal;
}

export interface SafeResponse {
  status: number;
  ok: boolean;
  headers: IncomingHttpHeaders;
  /** The bytes, as they arrive; read them or call `discard`. */
  body: AsyncIterable<Buffer>;
  discard(): void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches a URL that came from someone else's answer (Scenario's result links, their redirects, upload
 * part URLs) so that it cannot lead inside: https only; a host's addresses resolved once, every one
 * checked against the internal ranges (`address-policy.ts`), and the connection made to exactly those
 * addresses (the check and the connection share one lookup, so a DNS answer that changes between the two
 * cannot slip 127.0.0.1 in); redirects followed by hand, each hop judged again. GET follows redirects;
 * PUT (a pre-signed upload) does not, and gets the 3xx as its answer.
 */
export function createSafeFetch(options: SafeFetchOptions = {}) {
  const resolve =
    options.resolve ?? ((hostname: string) => dnsLookup(hostname, { all: true, verbatim: true }));
  const maxRedirects = options.maxRedirects ?? 5;

  const checkedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (found) => {
        const addresses = lookupOptions.family
          ? found.filter((entry) => entry.family === lookupOptions.family)
          : found;
        const refusal = refusalFor(hostname, addresses);
        if (refusal) return callback(new RefusedUrlError(refusal), '', 0);
        if (lookupOptions.all) return callback(null, addresses);
        const [first] = addresses;
        return callback(null, first?.address ?? '', first?.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };

  function send(url: URL, init: SafeRequest, trusted: boolean): Promise<IncomingMessage> {
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((settle, reject) => {
      const request = transport.request(
        url,
        {
          method: init.method ?? 'GET',
          headers: {
            ...init.headers,
            ...(init.body ? { 'content-length': String(init.body.byteLength) } : {}),
          },
          signal: init.signal,
          // A connection of its own: a pooled socket could have been opened by code with no such checks.
          agent: false,
          ...(trusted ? {} : { lookup: checkedLookup }),
        },
        settle,
      );
      request.once('error', reject);
      request.end(init.body);
    });
  }

  return async function safeFetch(raw: string, init: SafeRequest = {}): Promise<SafeResponse> {
    let target = raw;
    const method = init.method ?? 'GET';
    for (let hop = 0; ; hop += 1) {
      const judged = judgeUrl(target, options.trustedOrigin);
      if (!judged.ok) throw new RefusedUrlError(judged.refusal);
      const response = await send(judged.url, init, judged.trusted);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (method === 'GET' && REDIRECTS.has(status) && location) {
        response.destroy();
        if (hop >= maxRedirects)
          throw new RefusedUrlError({ reason: 'too_many_redirects', max: maxRedirects });
        try {
          target = new URL(location, judged.url).href;
        } catch {
          throw new RefusedUrlError({ reason: 'not_a_url' });
        }
        continue;
      }
      return {
        status,
        ok: status >= 200 && status < 300,
        headers: response.headers,
        body: response,
        discard: () => response.destroy(),
      };
    }
  };
}

export type SafeFetch = ReturnType<typeof createSafeFetch>;

/** Why a host's addresses are refused: none at all, or any one of them internal. Pure. */
export function refusalFor(host: string, addresses: readonly ResolvedAddress[]): UrlRefusal | undefined {
  if (addresses.length === 0) return { reason: 'unresolved', host };
  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    if (kind === undefined) return { reason: 'unresolved', host };
    if (kind !== 'public') return { reason: 'address', host, address, class: kind };
  }
  return undefined;
}
