import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { declaredLength, readAtMost } from '../net/bounded-body.js';
import { RefusedUrlError, type SafeFetch, type SafeRequest, type SafeResponse } from '../net/safe-fetch.js';
import { ScenarioError } from './scenario-errors.js';

/**
 * The URLs inside Scenario's answers (signed result links and their redirects, upload part URLs): not
 * Scenario's API, so no auth and no request budget, and not trusted either: each is fetched under
 * `safeFetch`'s rules (https, public addresses, every redirect hop checked). Failures are ScenarioErrors,
 * a refused link as `refused_url`.
 */
export function createAnswerLinks(options: { safeFetch: SafeFetch; timeoutMs: number }) {
  async function fetchLink(url: string, what: string, init: SafeRequest): Promise<SafeResponse> {
    try {
      return await options.safeFetch(url, init);
    } catch (error) {
      if (error instanceof RefusedUrlError)
        throw new ScenarioError('refused_url', `The ${what} was not fetched: ${error.message}`);
      throw new ScenarioError('unavailable', `The ${what} could not be fetched`);
    }
  }

  /** A result file's response, once it is known to be a file: refused links and 4xx/5xx are errors. */
  async function openDownload(url: string): Promise<SafeResponse> {
    const response = await fetchLink(url, 'result file', {
      signal: AbortSignal.timeout(options.timeoutMs * 4),
    });
    if (response.ok) return response;
    response.discard();
    throw new ScenarioError(
      response.status === 403 ? 'not_found' : 'unavailable',
      `The result file could not be downloaded (${response.status}); its link may have expired`,
      { status: response.status },
    );
  }

  const tooLarge = (maxBytes: number, declared?: number) =>
    new ScenarioError(
      'too_large',
      declared === undefined
        ? `The result file is over the ${maxBytes}-byte cap`
        : `The result file is ${declared} bytes, over the ${maxBytes}-byte cap`,
    );

  return {
    fetch: fetchLink,

    /** An asset's bytes from its signed URL, the size capped while streaming (`too_large` past it). */
    async download(
      url: string,
      maxBytes: number,
    ): Promise<{ bytes: Buffer; contentType: string | undefined }> {
      const response = await openDownload(url);
      const body = await readAtMost(
        response.body,
        maxBytes,
        declaredLength(response.headers['content-length']),
      );
      if (!body.ok) throw tooLarge(maxBytes, body.declared);
      return { bytes: body.bytes, contentType: response.headers['content-type'] };
    },

    /**
     * An asset streamed to a new file at `path` (never whole in memory), the size capped while streaming;
     * past the cap, or on any failure, the partial file is removed.
     */
    async downloadToFile(url: string, path: string, maxBytes: number): Promise<{ size: number }> {
      const response = await openDownload(url);
      const declared = declaredLength(response.headers['content-length']);
      if (declared !== undefined && declared > maxBytes) {
        response.discard();
        throw tooLarge(maxBytes, declared);
      }
      let size = 0;
      try {
        await pipeline(
          response.body,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              size += chunk.length;
              if (size > maxBytes) throw tooLarge(maxBytes);
              yield chunk;
            }
          },
          createWriteStream(path, { flags: 'wx' }),
        );
      } catch (error) {
        response.discard();
        await rm(path, { force: true });
        throw error;
      }
      return { size };
    },
  };
}
