import type { Logger } from 'pino';
import type { z } from 'zod';
import { type Clock, systemClock } from '../clock.js';
import { trustedLoopbackOrigin } from '../net/address-policy.js';
import { declaredLength, readAtMost } from '../net/bounded-body.js';
import { createSafeFetch, type SafeFetch } from '../net/safe-fetch.js';
import { createAnswerLinks } from './answer-links.js';
import { modelRequests } from './model-requests.js';
import type { QueueTicket, RequestBudget, RequestPriority } from './request-budget.js';
import type { CallOptions } from './scenario-call.js';
import {
  describeStatus,
  OUTAGE_KINDS,
  parseJson,
  parseRetryAfter,
  ScenarioError,
  type ScenarioHealth,
} from './scenario-errors.js';
import {
  type Asset,
  assetEnvelopeSchema,
  assetListSchema,
  conversionSchema,
  dryRunResponseSchema,
  errorBodySchema,
  type Job,
  jobEnvelopeSchema,
  jobListSchema,
  type RunModelResponse,
  runModelResponseSchema,
  uploadEnvelopeSchema,
} from './scenario-schemas.js';

export { parseRetryAfter, ScenarioError, type ScenarioHealth } from './scenario-errors.js';
export type { Asset, Job, RunModelResponse } from './scenario-schemas.js';

export interface ScenarioClientOptions {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  budget: RequestBudget;
  logger: Logger;
  timeoutMs?: number;
  maxRetries?: number;
  clock?: Clock;
  /** Random source for backoff jitter. */
  random?: () => number;
  /**
   * How URLs from Scenario's answers (result links, upload parts) are fetched; by default https to public
   * addresses only, plus the API's own origin when it runs on loopback (tests, the demo).
   */
  safeFetch?: SafeFetch;
  /** Largest API answer read, in bytes (`MAX_API_BODY_BYTES` by default). */
  maxBodyBytes?: number;
}

/** Scenario's own client sends images up to ~3.5 MB inline; the gateway caps JSON bodies near 10 MB. */
export const INLINE_UPLOAD_MAX_BYTES = 3.5 * 1024 * 1024;
/** Multipart upload parts must be at least 5 MB except the last (S3's rule). */
const UPLOAD_PART_BYTES = 5 * 1024 * 1024;
const BULK_ASSET_LIMIT = 100;
/**
 * API answers are JSON a few KB long (a listing of 200 jobs with their inputs stays well under 2 MB); the
 * gateway caps request bodies near 10 MB. An answer past this is not one we can use: it is not read further.
 */
export const MAX_API_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Typed Scenario client, shaped like the official SDK (`generate.runModel`, `jobs.retrieve`, `jobs.list`,
 * `assets.upload`, `assets.retrieve`) so that it can be swapped for it later. Every API call goes through the
 * shared request budget, has a timeout, and is retried on 429/5xx with backoff.
 */
export function createScenarioClient(options: ScenarioClientOptions) {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 4;
  const authorization = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`;
  const log = options.logger.child({ component: 'scenario' });
  const health: ScenarioHealth = {};
  const maxBodyBytes = options.maxBodyBytes ?? MAX_API_BODY_BYTES;
  const links = createAnswerLinks({
    safeFetch:
      options.safeFetch ?? createSafeFetch({ trustedOrigin: trustedLoopbackOrigin(options.baseUrl) }),
    timeoutMs,
  });

  const backoffMs = (attempt: number) => Math.min(20_000, 500 * 2 ** attempt) * (0.5 + random() / 2);

  async function call<T extends z.ZodType>(spec: CallOptions<T>): Promise<z.output<T>> {
    const url = new URL(`${options.baseUrl}${spec.path}`);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const idempotent = spec.idempotent ?? spec.method === 'GET';
    for (let attempt = 0; ; attempt += 1) {
      const grantedAt = await options.budget.acquire(spec.priority ?? 'interactive');
      if (spec.beforeSend) {
        await spec.beforeSend();
        if (typeof grantedAt === 'number') options.budget.markSent?.(grantedAt);
      }
      const started = clock.now();
      let retryAfterMs: number | undefined;
      let failure: ScenarioError;
      try {
        const response = await fetch(url, {
          method: spec.method,
          headers: {
            authorization,
            accept: 'application/json',
            ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          // The API does not redirect; a Location in its answer is not followed (it is an error status).
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        const read = response.body
          ? await readAtMost(
              response.body,
              maxBodyBytes,
              declaredLength(response.headers.get('content-length')),
            )
          : ({ ok: true, bytes: Buffer.alloc(0) } as const);
        const text = read.ok ? read.bytes.toString('utf8') : undefined;
        log.debug(
          { method: spec.method, path: spec.path, status: response.status, ms: clock.now() - started },
          'scenario call',
        );
        if (response.ok || spec.acceptStatus?.includes(response.status)) {
          const parsed = text === undefined ? undefined : parseJson(text);
          const result = parsed === undefined ? undefined : spec.schema.safeParse(parsed);
          if (result?.success) {
            health.lastOkAt = clock.now();
            return result.data;
          }
          failure = new ScenarioError(
            'malformed',
            text === undefined
              ? `Scenario's answer is over the ${maxBodyBytes}-byte limit (${spec.method} ${spec.path})`
              : `Scenario sent an answer the bot could not read (${spec.method} ${spec.path})`,
            {
              status: response.status,
              method: spec.method,
              path: spec.path,
            },
          );
          if (!idempotent) throw failure; // the job may exist: never submit it twice
        } else {
          // An error answer too long to read is judged by its status alone.
          const errorBody = errorBodySchema.safeParse(parseJson(text ?? '') ?? {});
          const body = errorBody.success ? errorBody.data : {};
          const scenarioMessage = body.message ?? body.error ?? body.reason ?? body.detail;
          failure = describeStatus(response.status, scenarioMessage, body.actionLimit !== undefined);
          failure.details.method = spec.method;
          failure.details.path = spec.path;
          const retryable =
            failure.kind === 'rate_limited' ||
            (failure.kind === 'unavailable' && (idempotent || [502, 503, 504].includes(response.status)));
          if (!retryable) throw failure;
          retryAfterMs =
            parseRetryAfter(response.headers.get('retry-after'), clock.now()) ??
            (body.remainingSeconds === undefined ? undefined : body.remainingSeconds * 1000);
          if (failure.kind === 'rate_limited') {
            // Scenario's limit is per project: hold every caller back, not just this one.
            options.budget.pauseUntil(clock.now() + (retryAfterMs ?? backoffMs(attempt)));
          }
        }
      } catch (error) {
        if (error instanceof ScenarioError) {
          // A refused request (bad input, not found) is Scenario answering: only outages count here.
          if (OUTAGE_KINDS.has(error.kind)) health.lastFailure = { at: clock.now(), kind: error.kind };
          throw error;
        }
        const timedOut =
          error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        failure = timedOut
          ? new ScenarioError(
              'timeout',
              `Scenario did not answer within ${timeoutMs} ms (${spec.method} ${spec.path})`,
              {
                method: spec.method,
                path: spec.path,
              },
            )
          : new ScenarioError('unavailable', `Scenario could not be reached (${spec.method} ${spec.path})`, {
              method: spec.method,
              path: spec.path,
            });
        // A timed-out or dropped generate may have started a job: do not start another.
        if (!idempotent) throw failure;
      }
      health.lastFailure = { at: clock.now(), kind: failure.kind };
      if (attempt >= maxRetries) throw failure;
      const waitMs = Math.min(retryAfterMs ?? backoffMs(attempt), 60_000);
      log.warn(
        { method: spec.method, path: spec.path, attempt: attempt + 1, waitMs, kind: failure.kind },
        'scenario call retried',
      );
      await clock.sleep(waitMs);
    }
  }

  async function uploadMultipart(bytes: Uint8Array, name: string, mimeType: string): Promise<Asset> {
    const parts = Math.max(1, Math.ceil(bytes.byteLength / UPLOAD_PART_BYTES));
    const { upload } = await call({
      method: 'POST',
      path: '/uploads',
      body: { fileName: name, contentType: mimeType, kind: 'image', parts, fileSize: bytes.byteLength },
      schema: uploadEnvelopeSchema,
      idempotent: true,
    });
    for (const part of upload.parts ?? []) {
      const start = (part.number - 1) * UPLOAD_PART_BYTES;
      // Part URLs are pre-signed storage URLs: no Scenario auth, not counted against the API budget. They
      // come from an answer, so they go through the same checks as result links.
      const response = await links.fetch(part.url, `upload part ${part.number}`, {
        method: 'PUT',
        body: bytes.subarray(start, start + UPLOAD_PART_BYTES),
        signal: AbortSignal.timeout(timeoutMs),
      });
      response.discard();
      if (!response.ok)
        throw new ScenarioError('unavailable', `Uploading part ${part.number} failed (${response.status})`);
    }
    await call({
      method: 'POST',
      path: `/uploads/${encodeURIComponent(upload.id)}/action`,
      body: { action: 'complete' },
      schema: uploadEnvelopeSchema,
      idempotent: true,
    });
    const deadline = clock.now() + timeoutMs * 2;
    for (let attempt = 0; clock.now() < deadline; attempt += 1) {
      const { upload: current } = await call({
        method: 'GET',
        path: `/uploads/${encodeURIComponent(upload.id)}`,
        schema: uploadEnvelopeSchema,
      });
      const assetId = current.entityId ?? current.assetId;
      if (current.status === 'imported' && assetId) return assets.retrieve(assetId);
      if (current.status === 'failed') {
        throw new ScenarioError(
          'invalid',
          `Scenario could not import the file: ${current.errorMessage ?? 'no reason given'}`,
        );
      }
      await clock.sleep(Math.min(4_000, 250 * 2 ** attempt));
    }
    throw new ScenarioError('timeout', 'Scenario did not finish importing the upload in time');
  }

  const assets = {
    /** Uploads an image; small files inline (base64), larger ones through the multipart upload flow. */
    async upload(input: { bytes: Uint8Array; name: string; mimeType: string }): Promise<Asset> {
      if (input.bytes.byteLength > INLINE_UPLOAD_MAX_BYTES)
        return uploadMultipart(input.bytes, input.name, input.mimeType);
      const image = `data:${input.mimeType};base64,${Buffer.from(input.bytes).toString('base64')}`;
      const { asset } = await call({
        method: 'POST',
        path: '/assets',
        body: { image, name: input.name },
        schema: assetEnvelopeSchema,
        idempotent: true,
      });
      return asset;
    },
    async retrieve(assetId: string, priority: RequestPriority = 'interactive'): Promise<Asset> {
      const { asset } = await call({
        method: 'GET',
        path: `/assets/${encodeURIComponent(assetId)}`,
        schema: assetEnvelopeSchema,
        priority,
      });
      return asset;
    },
    /** Reads many assets in as few requests as Scenario allows (about 100 per call). */
    async retrieveMany(
      assetIds: readonly string[],
      priority: RequestPriority = 'interactive',
    ): Promise<Asset[]> {
      const found: Asset[] = [];
      for (let i = 0; i < assetIds.length; i += BULK_ASSET_LIMIT) {
        const chunk = assetIds.slice(i, i + BULK_ASSET_LIMIT);
        const { assets: page } = await call({
          method: 'POST',
          path: '/assets/get-bulk',
          body: { assetIds: chunk },
          schema: assetListSchema,
          priority,
          idempotent: true,
        });
        found.push(...page);
      }
      return found;
    },
    /**
     * Asks Scenario for the asset in another format (a 3D model as FBX, OBJ, …): a signed link to the
     * converted file. A 400 means Scenario will not make that format from this asset.
     */
    async convert(assetId: string, targetFormat: string): Promise<{ url: string }> {
      return call({
        method: 'POST',
        path: `/assets/${encodeURIComponent(assetId)}/download`,
        body: { targetFormat },
        schema: conversionSchema,
        // Converting twice yields the same file: safe to retry after a dropped answer.
        idempotent: true,
      });
    },
    /**
     * Downloads an asset's bytes from its signed URL (see `answer-links.ts`). CDN downloads are not Scenario
     * API calls, so they do not spend the request budget.
     */
    download: links.download,
    /** The same, streamed to a new file instead of memory (how results are gathered for posting). */
    downloadToFile: links.downloadToFile,
  };

  return {
    /** How Scenario answered lately (a copy). */
    health: (): ScenarioHealth => ({ ...health }),
    generate: {
      /**
       * Starts a model run. The answer carries the cost (`creativeUnitsCost`); the polled job does not.
       * `ticket` places the call in the budget's queue (a queued job's is a `submit` of its member; without
       * one the call is `interactive`); `beforeSend` runs once the slot is granted, before the request may reach Scenario
       * (the ledger records that moment: from then on a crash means the job may exist).
       */
      runModel(
        modelId: string,
        body: Record<string, unknown>,
        send: { ticket?: QueueTicket; beforeSend?: () => Promise<void> } = {},
      ): Promise<RunModelResponse> {
        return call({
          method: 'POST',
          path: `/generate/custom/${encodeURIComponent(modelId)}`,
          body,
          schema: runModelResponseSchema,
          idempotent: false,
          priority: send.ticket,
          beforeSend: send.beforeSend,
        });
      },
      /** Prices a run without running it (200 with creativeUnitsCost, or 402 with estimatedCost in some guides). */
      dryRun(
        modelId: string,
        body: Record<string, unknown>,
      ): Promise<{ creativeUnitsCost: number | undefined }> {
        return call({
          method: 'POST',
          path: `/generate/custom/${encodeURIComponent(modelId)}`,
          query: { dryRun: 'true' },
          body,
          schema: dryRunResponseSchema,
          idempotent: true,
          acceptStatus: [402],
        });
      },
    },
    jobs: {
      async retrieve(jobId: string, priority: RequestPriority | QueueTicket = 'background'): Promise<Job> {
        const { job } = await call({
          method: 'GET',
          path: `/jobs/${encodeURIComponent(jobId)}`,
          schema: jobEnvelopeSchema,
          priority,
        });
        return job;
      },
      /** The project's recent jobs in one request: candidates to confirm with `retrieve`. */
      async list(
        query: { pageSize?: number; status?: string; type?: string } = {},
        priority: RequestPriority | QueueTicket = 'background',
      ) {
        return call({
          method: 'GET',
          path: '/jobs',
          query: { pageSize: query.pageSize ?? 200, status: query.status, type: query.type },
          schema: jobListSchema,
          priority,
        });
      },
    },
    assets,
    models: modelRequests(call),
  };
}

export type ScenarioClient = ReturnType<typeof createScenarioClient>;
