import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { createCdn } from './cdn.js';
import { readBody } from './messages.js';
import { ApiError, type Body, type RestResult, type Routes } from './model.js';
import type { RateLimits } from './rate-limits.js';
import type { EmulatorState } from './state.js';

/**
 * The HTTP server: records every request, serves the CDN, checks the bot token (not on webhook and
 * interaction routes), holds requests a test holds, answers injected 429s and 5xx, then hands `/api/v10/...` to the areas' routes.
 */
export function createRestServer(
  state: EmulatorState,
  input: {
    /** Each area's REST routes. No two areas share a route, so their order changes no answer. */
    routes: Routes[];
    cdn: ReturnType<typeof createCdn>;
    rateLimits: Pick<RateLimits, 'rateHeaders' | 'injectedAnswer' | 'heldBack' | 'answerLost'>;
  },
) {
  const { token, requests, unknownRoutes } = state;
  const { cdn } = input;
  const { rateHeaders, injectedAnswer, heldBack, answerLost } = input.rateLimits;

  async function route(
    method: string,
    path: string,
    request: IncomingMessage,
    query: URLSearchParams,
  ): Promise<RestResult> {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const is = (pattern: string) => {
      const segments = pattern.split('/').filter(Boolean);
      return (
        segments.length === parts.length &&
        segments.every((segment, index) => segment.startsWith(':') || segment === parts[index])
      );
    };
    const body: Body =
      method === 'GET' || method === 'DELETE' ? { json: {}, files: new Map() } : await readBody(request);
    for (const routes of input.routes) {
      const result = routes({ method, path, parts, is, body, query });
      if (result) return result;
    }
    unknownRoutes.push(`${method} ${path}`);
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  return createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const entry = { method, path: url.pathname, status: 0, at: Date.now() };
    requests.push(entry);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      response.writeHead(status, {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (cdn.serve(method, url.pathname, response, entry, send)) return;
    if (!url.pathname.startsWith('/api/v10/')) return send(404, { message: '404: Not Found', code: 0 });
    const path = url.pathname.slice('/api/v10'.length);
    const webhookRoute = path.startsWith('/webhooks/') || path.startsWith('/interactions/');
    if (!webhookRoute && request.headers.authorization !== `Bot ${token}`)
      return send(401, { message: '401: Unauthorized', code: 0 });
    const carriesFiles = request.headers['content-type']?.startsWith('multipart/form-data') ?? false;
    await heldBack(method, path, carriesFiles);
    const injected = injectedAnswer(method, path, carriesFiles);
    if (injected) return send(injected.status, injected.body, injected.headers);
    try {
      const result = await route(method, path, request, url.searchParams);
      if (answerLost(method, path, carriesFiles))
        return send(502, { message: 'Bad Gateway', code: 0 }, rateHeaders(path));
      send(result.status, result.body, rateHeaders(path));
    } catch (error) {
      if (error instanceof ApiError)
        return send(error.status, { message: error.message, code: error.code }, rateHeaders(path));
      send(500, { message: error instanceof Error ? error.message : 'error', code: 0 });
    }
  });
}
