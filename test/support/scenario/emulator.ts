import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeGlb, makePng, makeSkyPanoramaPng, makeWav, readImageSize } from '../media.js';
import { CONVERTED_MIME_TYPES, convertedModel, damagedGlb, emulatedModel } from './conversions.js';
import { type EmulatedInput, type EmulatedModel, emulatedModels, validateBody } from './models.js';

/**
 * A local Scenario API (https://api.cloud.scenario.com/v1) following shared/scenario-api.md: Basic auth,
 * assets (inline and multipart uploads, bulk reads, signed expiring downloads behind a redirect), the
 * unified generate endpoint with each seed model's documented validation, jobs that progress over time,
 * the 100 requests/minute limit, and switches that inject the faults the bot must survive.
 */
export interface ScenarioEmulatorOptions {
  apiKey?: string;
  apiSecret?: string;
  jobDurationMs?: number | ((modelId: string) => number);
  /** Scenario's documented 100/minute by default; null disables. */
  rateLimitPerMinute?: number | null;
  assetUrlTtlMs?: number;
  /** Size of generated images: small by default to keep tests fast, or the size the request asked for. */
  outputImageSize?: { width: number; height: number } | 'requested';
  clock?: () => number;
  /** Length of the rate-limit window (60 s as documented; shorter to test the limit in scaled time). */
  rateWindowMs?: number;
}

export interface FaultSwitches {
  /** Share (0..1) of API requests answered 429. */
  rateLimitRatio: number;
  /** The next N API requests answer 429 (deterministic, for tests). */
  rateLimitNext: number;
  /** Whether those 429s carry Retry-After (else `remainingSeconds` in the body). */
  rateLimitRetryAfter: boolean;
  /** The next N API requests answer `serverErrorStatus`. */
  serverErrorsNext: number;
  serverErrorStatus: number;
  /** Delay every API answer by this much. */
  delayMs: number;
  /** The next N submitted jobs end in failure with this error and hint. */
  failNextJobs: number;
  failError: string;
  failHint: string;
  /** The next N submitted jobs never finish. */
  neverFinishNextJobs: number;
  /** The next N generate calls answer a 429 naming actionLimit (a concurrency ceiling). */
  actionLimitNext: number;
  /** The next N generate calls are refused (422) with this message, as Scenario refuses a flagged prompt. */
  refuseNextGenerate: number;
  refuseMessage: string;
  /** The next N API answers are not valid JSON. */
  malformedNext: number;
  /** Answer jobs in the other documented shapes: job.id, succeeded/failed, progress 0–100. */
  alternativeShapes: boolean;
  /** Signed downloads answer 404. */
  downloads404: boolean;
  /** Signed URLs are issued already expired. */
  expiredUrls: boolean;
  /** Make generated files this many bytes (valid files, padded). */
  outputBytes: number | undefined;
  /** Signed downloads redirect here instead of to the edge copy (a link leading somewhere else). */
  downloadsRedirectTo: string | undefined;
  /** Multipart upload part URLs point here instead of at the emulator's storage. */
  uploadPartsTo: string | undefined;
  /** Skybox (panorama) results are these bytes: a given test image, or a damaged file. */
  panoramaImage: Buffer | undefined;
  /** 3D results come without a thumbnail (the bot then renders its own preview). */
  omit3dThumbnails: boolean;
  /** 3D results are damaged GLBs (a header, then JSON cut short). */
  damagedModels: boolean;
  /** `POST /assets/{id}/download` answers 400 for these target formats. */
  refuseConversions: string[];
  /** The next N jobs succeed without any asset. */
  noAssetsNextJobs: number;
}

const noFaults = (): FaultSwitches => ({
  rateLimitRatio: 0,
  rateLimitNext: 0,
  rateLimitRetryAfter: true,
  serverErrorsNext: 0,
  serverErrorStatus: 503,
  delayMs: 0,
  failNextJobs: 0,
  failError: 'The generation failed on the provider side.',
  failHint: 'Try a different prompt or fewer outputs.',
  neverFinishNextJobs: 0,
  actionLimitNext: 0,
  refuseNextGenerate: 0,
  refuseMessage: 'This prompt was flagged by the content filter',
  malformedNext: 0,
  alternativeShapes: false,
  downloads404: false,
  expiredUrls: false,
  outputBytes: undefined,
  downloadsRedirectTo: undefined,
  uploadPartsTo: undefined,
  panoramaImage: undefined,
  omit3dThumbnails: false,
  damagedModels: false,
  refuseConversions: [],
  noAssetsNextJobs: 0,
});

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  body?: unknown;
  /** The request carried valid credentials (counts against the rate limit). */
  api: boolean;
}

export interface EmulatedAsset {
  id: string;
  kind: string;
  mimeType: string;
  bytes: Buffer;
  width?: number;
  height?: number;
  thumbnailOf?: string;
  thumbnailId?: string;
  createdAt: number;
}

export interface EmulatedJob {
  jobId: string;
  modelId: string;
  input: Record<string, unknown>;
  createdAt: number;
  durationMs: number;
  /** The duration drawn at submission (a never-ending job keeps it for its queued → in-progress step). */
  nominalDurationMs: number;
  outcome: 'success' | 'failure' | 'canceled' | 'never';
  error?: string;
  hint?: string;
  assetIds: string[];
  cost: number;
  finishedAt?: number;
  /** Succeeds without any asset (a model that produced nothing). */
  noAssets?: boolean;
}

interface Upload {
  id: string;
  fileName: string;
  contentType: string;
  parts: Map<number, Buffer>;
  partCount: number;
  status: 'pending' | 'imported' | 'failed';
  entityId?: string;
  errorMessage?: string;
}

/** One answer of the file CDN (the signed URLs' edge copy): how much of the asset went out. */
export interface FileDownload {
  assetId: string;
  size: number;
  /** Bytes handed to the connection before it ended or was closed by the client. */
  bytesSent: number;
  complete: boolean;
}

export interface ScenarioEmulator {
  url: string;
  origin: string;
  faults: FaultSwitches;
  requests: RecordedRequest[];
  generateCalls(): RecordedRequest[];
  requestsPerMinutePeak(windowMs?: number): number;
  jobs: Map<string, EmulatedJob>;
  assets: Map<string, EmulatedAsset>;
  /** Every file served by the CDN route (not API calls, so not in `requests`). */
  downloads: FileDownload[];
  finishJob(jobId: string, outcome?: 'success' | 'failure' | 'canceled'): void;
  /** The models this emulator serves, as `GET /models/{id}` describes them and generate validates them. */
  models: Record<string, EmulatedModel>;
  /** Changes one input of a model's live schema (e.g. a lower `max`), as Scenario may without notice. */
  narrowInput(modelId: string, input: string, change: Partial<EmulatedInput>): void;
  /** Schema reads (`GET /models/{id}`) so far, per model. */
  schemaReads(modelId?: string): RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

const MAX_JSON_BODY = 10 * 1024 * 1024;
const BULK_LIMIT = 100;

export async function startScenarioEmulator(
  options: ScenarioEmulatorOptions = {},
): Promise<ScenarioEmulator> {
  const clock = options.clock ?? Date.now;
  const expectedAuth = `Basic ${Buffer.from(`${options.apiKey ?? 'test-key'}:${options.apiSecret ?? 'test-secret'}`).toString('base64')}`;
  const signingKey = randomBytes(16);
  const ttl = options.assetUrlTtlMs ?? 24 * 60 * 60 * 1000;
  const limit = options.rateLimitPerMinute === undefined ? 100 : options.rateLimitPerMinute;
  const faults = noFaults();
  const modelGlb = await emulatedModel();
  const rateWindowMs = options.rateWindowMs ?? 60_000;
  const requests: RecordedRequest[] = [];
  const jobs = new Map<string, EmulatedJob>();
  const assets = new Map<string, EmulatedAsset>();
  const uploads = new Map<string, Upload>();
  const downloads: FileDownload[] = [];
  let models = emulatedModels();
  let origin = '';
  let counter = 0;
  const newId = (prefix: string) => `${prefix}_${(++counter).toString(36)}${randomBytes(6).toString('hex')}`;

  const sign = (assetId: string, expires: number) =>
    createHmac('sha256', signingKey).update(`${assetId}:${expires}`).digest('hex').slice(0, 32);
  const signedUrl = (assetId: string) => {
    const expires = faults.expiredUrls ? clock() - 1000 : clock() + ttl;
    return `${origin}/files/${assetId}?Expires=${Math.floor(expires / 1000)}&Signature=${sign(assetId, Math.floor(expires / 1000))}`;
  };

  const addAsset = (asset: Omit<EmulatedAsset, 'id' | 'createdAt'>): EmulatedAsset => {
    const stored = { ...asset, id: newId('asset'), createdAt: clock() };
    assets.set(stored.id, stored);
    return stored;
  };

  const assetView = (asset: EmulatedAsset) => ({
    id: asset.id,
    url: signedUrl(asset.id),
    mimeType: asset.mimeType,
    kind: asset.kind,
    status: 'success',
    metadata: { type: asset.thumbnailOf ? 'thumbnail' : 'uploaded' },
    properties: { size: asset.bytes.length, width: asset.width, height: asset.height },
    ...(asset.thumbnailId ? { thumbnail: { url: signedUrl(asset.thumbnailId) } } : {}),
    createdAt: new Date(asset.createdAt).toISOString(),
  });

  const durationFor = (modelId: string) =>
    typeof options.jobDurationMs === 'function'
      ? options.jobDurationMs(modelId)
      : (options.jobDurationMs ?? 1500);

  const createOutputs = (job: EmulatedJob, model: EmulatedModel) => {
    const count =
      model.outputsParam && typeof job.input[model.outputsParam] === 'number'
        ? (job.input[model.outputsParam] as number)
        : model.defaultOutputs;
    for (let index = 0; index < count; index += 1) {
      if (model.type === '3d') {
        // A real textured mesh; padded files (size tests) keep the one-triangle GLB grown to the size asked.
        const bytes = faults.damagedModels
          ? damagedGlb()
          : faults.outputBytes
            ? makeGlb({ padToBytes: faults.outputBytes })
            : modelGlb;
        const glb = addAsset({ kind: '3d', mimeType: 'model/gltf-binary', bytes });
        if (!faults.omit3dThumbnails) {
          const thumb = addAsset({
            kind: 'image',
            mimeType: 'image/png',
            bytes: makePng({ width: 32, height: 32, color: [180, 120, 40] }),
            width: 32,
            height: 32,
          });
          glb.thumbnailId = thumb.id;
          thumb.thumbnailOf = glb.id;
        }
        job.assetIds.push(glb.id);
      } else if (model.type === 'video') {
        job.assetIds.push(
          addAsset({
            kind: 'video',
            mimeType: 'video/mp4',
            bytes: Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(64)]),
          }).id,
        );
      } else if (model.type === 'audio') {
        job.assetIds.push(addAsset({ kind: 'audio', mimeType: 'audio/wav', bytes: makeWav(index) }).id);
      } else {
        const requested = options.outputImageSize === 'requested';
        const fixed = typeof options.outputImageSize === 'object' ? options.outputImageSize : undefined;
        const panorama = model.type === 'skybox';
        const width =
          requested && typeof job.input.width === 'number'
            ? job.input.width
            : (fixed?.width ?? (panorama ? 64 : 32));
        const height =
          requested && typeof job.input.height === 'number'
            ? job.input.height
            : (fixed?.height ?? (panorama ? 32 : 32));
        if (panorama && faults.panoramaImage) {
          const given = faults.panoramaImage;
          const size = readImageSize(given);
          job.assetIds.push(addAsset({ kind: 'image', mimeType: 'image/png', bytes: given, ...size }).id);
          continue;
        }
        const bytes = panorama
          ? makeSkyPanoramaPng({ width, height, padToBytes: faults.outputBytes })
          : makePng({ width, height, color: [20 + index * 40, 120, 200], padToBytes: faults.outputBytes });
        job.assetIds.push(addAsset({ kind: 'image', mimeType: 'image/png', bytes, width, height }).id);
      }
    }
  };

  /** Job state is computed from the clock: no timer per job. */
  const jobView = (job: EmulatedJob) => {
    const model = models[job.modelId];
    const age = clock() - job.createdAt;
    let status: string;
    let progress: number;
    const finished = job.finishedAt !== undefined || (job.outcome !== 'never' && age >= job.durationMs);
    if (finished) {
      if (job.finishedAt === undefined) job.finishedAt = job.createdAt + job.durationMs;
      status = job.outcome === 'never' ? 'success' : job.outcome;
      if (status === 'success' && job.assetIds.length === 0 && model && !job.noAssets)
        createOutputs(job, model);
      progress = status === 'success' ? 1 : Math.min(0.99, age / job.durationMs);
    } else if (age < job.nominalDurationMs * 0.15) {
      status = 'queued';
      progress = 0;
    } else {
      status = 'in-progress';
      progress =
        job.outcome === 'never' ? 0.5 : Math.min(0.99, Math.round((age / job.durationMs) * 100) / 100);
    }
    const history = [{ date: new Date(job.createdAt).toISOString(), status: 'queued' }];
    if (status !== 'queued')
      history.push({
        date: new Date(job.createdAt + job.nominalDurationMs * 0.15).toISOString(),
        status: 'in-progress',
      });
    if (finished) history.push({ date: new Date(job.finishedAt ?? clock()).toISOString(), status });
    const alt = faults.alternativeShapes;
    const shownStatus = alt
      ? (({ success: 'succeeded', failure: 'failed' } as Record<string, string>)[status] ?? status)
      : status;
    return {
      ...(alt ? { id: job.jobId } : { jobId: job.jobId }),
      jobType: 'custom-model',
      status: shownStatus,
      progress: alt ? Math.round(progress * 100) : progress,
      statusHistory: history,
      createdAt: new Date(job.createdAt).toISOString(),
      updatedAt: new Date(job.finishedAt ?? clock()).toISOString(),
      billing: { cuCost: job.cost, cuDiscount: 0 },
      metadata: {
        assetIds: status === 'success' ? job.assetIds : [],
        input: job.input,
        modelId: job.modelId,
        ...(status === 'failure' ? { error: job.error, hint: job.hint } : {}),
      },
    };
  };

  const send = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    if (faults.malformedNext > 0 && status < 500) {
      faults.malformedNext -= 1;
      response
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end('{"job": {"jobId": "trunc');
      return;
    }
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const fail = (
    response: ServerResponse,
    status: number,
    code: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) => send(response, status, { status, code, message, ...extra });

  // A body is read once per request, possibly early: a slow answer (delayMs) still acts on the request
  // it received in full, as a real server would after its client gave up waiting.
  const bodies = new WeakMap<IncomingMessage, Promise<Buffer | 'too_large'>>();
  const readBody = (request: IncomingMessage, max: number): Promise<Buffer | 'too_large'> => {
    let body = bodies.get(request);
    if (!body) {
      body = (async () => {
        const chunks: Buffer[] = [];
        let total = 0;
        for await (const chunk of request) {
          total += (chunk as Buffer).length;
          if (total > max) return 'too_large' as const;
          chunks.push(chunk as Buffer);
        }
        return Buffer.concat(chunks);
      })();
      bodies.set(request, body);
    }
    return body;
  };

  const windowCount = (now: number) => {
    let count = 0;
    for (let i = requests.length - 1; i >= 0; i -= 1) {
      const entry = requests[i];
      if (!entry || entry.at <= now - rateWindowMs) break;
      // Requests refused for the limit do not use it up (a token-bucket limiter's behaviour).
      if (entry.api && entry.status !== 429) count += 1;
    }
    return count;
  };

  const decodeImage = (value: string): Buffer | undefined => {
    const base64 = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value;
    if (!/^[A-Za-z0-9+/=\s]+$/.test(base64)) return undefined;
    return Buffer.from(base64, 'base64');
  };

  const importImage = (bytes: Buffer): EmulatedAsset | undefined => {
    const info = readImageSize(bytes);
    if (!info) return undefined;
    return addAsset({
      kind: 'image',
      mimeType: info.mimeType,
      bytes,
      width: info.width || undefined,
      height: info.height || undefined,
    });
  };

  async function handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: URLSearchParams,
    record: RecordedRequest,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    const json = async (): Promise<Record<string, unknown> | 'too_large' | undefined> => {
      const raw = await readBody(request, MAX_JSON_BODY);
      if (raw === 'too_large') return raw;
      try {
        const parsed = JSON.parse(raw.toString('utf8')) as unknown;
        record.body = parsed;
        return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : undefined;
      } catch {
        return undefined;
      }
    };
    let match: RegExpMatchArray | null;

    match = method === 'POST' ? path.match(/^\/v1\/generate\/custom\/([^/]+)$/) : null;
    if (match) {
      const modelId = decodeURIComponent(match[1] ?? '');
      const body = await json();
      if (body === 'too_large') return fail(response, 413, 'payload_too_large', 'Request body too large');
      if (!body) return fail(response, 400, 'invalid_body', 'Body must be a JSON object');
      const model = models[modelId];
      if (!model) return fail(response, 404, 'not_found', `Model not found: ${modelId}`);
      const problem = validateBody(model, body, (id) => assets.has(id));
      if (problem) return fail(response, 422, 'invalid_parameters', problem);
      const outputs =
        model.outputsParam && typeof body[model.outputsParam] === 'number'
          ? (body[model.outputsParam] as number)
          : model.defaultOutputs;
      const cost = model.costPerOutput * outputs;
      if (query.get('dryRun') === 'true')
        return send(response, 200, { creativeUnitsCost: cost, creativeUnitsDiscount: 0 });
      if (faults.refuseNextGenerate > 0) {
        faults.refuseNextGenerate -= 1;
        return fail(response, 422, 'invalid_parameters', faults.refuseMessage);
      }
      if (faults.actionLimitNext > 0) {
        faults.actionLimitNext -= 1;
        return fail(response, 429, 'too_many_jobs', 'Too many jobs running for this project', {
          actionLimit: 'generate',
        });
      }
      let outcome: EmulatedJob['outcome'] = 'success';
      const noAssets = faults.noAssetsNextJobs > 0;
      if (noAssets) faults.noAssetsNextJobs -= 1;
      if (faults.failNextJobs > 0) {
        faults.failNextJobs -= 1;
        outcome = 'failure';
      } else if (faults.neverFinishNextJobs > 0) {
        faults.neverFinishNextJobs -= 1;
        outcome = 'never';
      }
      const nominal = durationFor(modelId);
      const job: EmulatedJob = {
        jobId: newId('job'),
        modelId,
        input: body,
        createdAt: clock(),
        durationMs: nominal,
        nominalDurationMs: nominal,
        outcome,
        error: outcome === 'failure' ? faults.failError : undefined,
        hint: outcome === 'failure' ? faults.failHint : undefined,
        assetIds: [],
        cost,
        noAssets,
      };
      if (outcome === 'never') job.durationMs = Number.POSITIVE_INFINITY;
      jobs.set(job.jobId, job);
      return send(response, 200, { job: jobView(job), creativeUnitsCost: cost, creativeUnitsDiscount: 0 });
    }
    match = method === 'GET' ? path.match(/^\/v1\/jobs\/([^/]+)$/) : null;
    if (match) {
      const job = jobs.get(decodeURIComponent(match[1] ?? ''));
      return job
        ? send(response, 200, { job: jobView(job) })
        : fail(response, 404, 'not_found', 'Job not found');
    }
    if (method === 'GET' && path === '/v1/jobs') {
      const pageSize = Math.min(Number(query.get('pageSize') ?? 50) || 50, 200);
      const status = query.get('status');
      const all = [...jobs.values()].sort((a, b) => b.createdAt - a.createdAt).map(jobView);
      const filtered = status ? all.filter((job) => job.status === status) : all;
      return send(response, 200, {
        jobs: filtered.slice(0, pageSize),
        ...(filtered.length > pageSize ? { nextPaginationToken: 'more' } : {}),
      });
    }
    match = method === 'POST' ? path.match(/^\/v1\/jobs\/([^/]+)\/action$/) : null;
    if (match) {
      await json();
      return fail(response, 400, 'invalid_action', 'This job cannot be canceled');
    }
    if (method === 'POST' && path === '/v1/assets') {
      const body = await json();
      if (body === 'too_large') return fail(response, 413, 'payload_too_large', 'Request body too large');
      if (record.body && typeof record.body === 'object')
        record.body = { ...(record.body as object), image: '[bytes]' };
      if (!body || typeof body.image !== 'string')
        return fail(response, 400, 'invalid_body', 'image (base64 or data URL) is required');
      const bytes = decodeImage(body.image);
      const asset = bytes ? importImage(bytes) : undefined;
      if (!asset) return fail(response, 400, 'invalid_image', 'The file is not a supported image');
      return send(response, 200, { asset: assetView(asset) });
    }
    match = method === 'GET' ? path.match(/^\/v1\/assets\/([^/]+)$/) : null;
    if (match) {
      const asset = assets.get(decodeURIComponent(match[1] ?? ''));
      return asset
        ? send(response, 200, { asset: assetView(asset) })
        : fail(response, 404, 'not_found', 'Asset not found');
    }
    match = method === 'POST' ? path.match(/^\/v1\/assets\/([^/]+)\/download$/) : null;
    if (match) {
      const source = assets.get(decodeURIComponent(match[1] ?? ''));
      const body = await json();
      const format = body && body !== 'too_large' ? String(body.targetFormat ?? '').toLowerCase() : '';
      if (!source) return fail(response, 404, 'not_found', 'Asset not found');
      const bytes = source.kind === '3d' ? convertedModel(format, source.id) : undefined;
      if (!bytes || faults.refuseConversions.includes(format))
        return fail(
          response,
          400,
          'invalid_format',
          `This asset cannot be converted to ${format || 'that format'}`,
        );
      const converted = addAsset({
        kind: '3d',
        mimeType: CONVERTED_MIME_TYPES[format] ?? 'application/octet-stream',
        bytes,
      });
      return send(response, 200, { url: signedUrl(converted.id) });
    }
    if (method === 'POST' && path === '/v1/assets/get-bulk') {
      const body = await json();
      if (!body || body === 'too_large' || !Array.isArray(body.assetIds))
        return fail(response, 400, 'invalid_body', 'assetIds is required');
      if (body.assetIds.length > BULK_LIMIT)
        return fail(response, 400, 'invalid_body', `At most ${BULK_LIMIT} assetIds`);
      const found = body.assetIds.flatMap((id) => {
        const asset = typeof id === 'string' ? assets.get(id) : undefined;
        return asset ? [assetView(asset)] : [];
      });
      return send(response, 200, { assets: found });
    }
    if (method === 'POST' && path === '/v1/uploads') {
      const body = await json();
      if (
        !body ||
        body === 'too_large' ||
        typeof body.fileName !== 'string' ||
        typeof body.parts !== 'number' ||
        body.parts < 1
      ) {
        return fail(response, 400, 'invalid_body', 'fileName, contentType, kind and parts are required');
      }
      const upload: Upload = {
        id: newId('upload'),
        fileName: body.fileName,
        contentType: String(body.contentType ?? ''),
        parts: new Map(),
        partCount: body.parts,
        status: 'pending',
      };
      uploads.set(upload.id, upload);
      const parts = Array.from({ length: upload.partCount }, (_, index) => ({
        number: index + 1,
        url:
          faults.uploadPartsTo ??
          `${origin}/upload-parts/${upload.id}/${index + 1}?X-Signature=${sign(upload.id, index)}`,
      }));
      return send(response, 200, { upload: { id: upload.id, status: upload.status, parts } });
    }
    match = method === 'POST' ? path.match(/^\/v1\/uploads\/([^/]+)\/action$/) : null;
    if (match) {
      const upload = uploads.get(decodeURIComponent(match[1] ?? ''));
      const body = await json();
      if (!upload) return fail(response, 404, 'not_found', 'Upload not found');
      if (!body || body === 'too_large' || body.action !== 'complete')
        return fail(response, 400, 'invalid_action', 'Unknown action');
      const bytes = Buffer.concat(
        Array.from(
          { length: upload.partCount },
          (_, index) => upload.parts.get(index + 1) ?? Buffer.alloc(0),
        ),
      );
      const asset = importImage(bytes);
      if (asset) {
        upload.status = 'imported';
        upload.entityId = asset.id;
      } else {
        upload.status = 'failed';
        upload.errorMessage = 'The uploaded file is not a supported image';
      }
      return send(response, 200, { upload: { id: upload.id, status: 'pending' } });
    }
    match = method === 'GET' ? path.match(/^\/v1\/uploads\/([^/]+)$/) : null;
    if (match) {
      const upload = uploads.get(decodeURIComponent(match[1] ?? ''));
      if (!upload) return fail(response, 404, 'not_found', 'Upload not found');
      return send(response, 200, {
        upload: {
          id: upload.id,
          status: upload.status,
          entityId: upload.entityId,
          errorMessage: upload.errorMessage,
        },
      });
    }
    match = method === 'GET' ? path.match(/^\/v1\/models\/([^/]+)$/) : null;
    if (match) {
      const id = decodeURIComponent(match[1] ?? '');
      const model = models[id];
      if (!model) return fail(response, 404, 'not_found', 'Model not found');
      return send(response, 200, { model: { id, name: model.name, type: model.type, inputs: model.inputs } });
    }
    if (method === 'GET' && path === '/v1/models') {
      const all = Object.entries(models).map(([id, model]) => ({ id, name: model.name, type: model.type }));
      return send(response, 200, { models: all });
    }
    return fail(response, 404, 'not_found', `No route ${method} ${path}`);
  }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const record: RecordedRequest = {
      at: clock(),
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      api: false,
    };
    response.on('finish', () => {
      record.status = response.statusCode;
    });
    try {
      // Pre-signed storage URLs: no Scenario auth, not API calls.
      let match = url.pathname.match(/^\/upload-parts\/([^/]+)\/(\d+)$/);
      if (method === 'PUT' && match) {
        const upload = uploads.get(match[1] ?? '');
        const part = Number(match[2]);
        if (!upload || url.searchParams.get('X-Signature') !== sign(upload.id, part - 1))
          return void response.writeHead(403).end('<Error>AccessDenied</Error>');
        const bytes = await readBody(request, 200 * 1024 * 1024);
        if (bytes === 'too_large') return void response.writeHead(413).end();
        upload.parts.set(part, bytes);
        return void response.writeHead(200, { etag: `"${part}"` }).end();
      }
      match = url.pathname.match(/^\/files\/([^/]+)$/);
      if (method === 'GET' && match) {
        const assetId = match[1] ?? '';
        const expires = Number(url.searchParams.get('Expires'));
        if (url.searchParams.get('Signature') !== sign(assetId, expires))
          return void response
            .writeHead(403, { 'content-type': 'application/xml' })
            .end('<Error><Code>AccessDenied</Code></Error>');
        if (expires * 1000 < clock())
          return void response
            .writeHead(403, { 'content-type': 'application/xml' })
            .end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
        // Like a CDN: one redirect to the edge copy, so clients must follow redirects.
        const edge = faults.downloadsRedirectTo ?? `/cdn/${assetId}?token=${sign(assetId, 0)}`;
        return void response.writeHead(302, { location: edge }).end();
      }
      match = url.pathname.match(/^\/cdn\/([^/]+)$/);
      if (method === 'GET' && match) {
        const asset = assets.get(match[1] ?? '');
        if (faults.downloads404 || !asset || url.searchParams.get('token') !== sign(asset.id, 0))
          return void response.writeHead(404).end('Not Found');
        response.writeHead(200, {
          'content-type': asset.mimeType,
          'content-length': String(asset.bytes.length),
        });
        // Streamed in chunks with backpressure, so a client that stops reading is seen to stop.
        const download: FileDownload = {
          assetId: asset.id,
          size: asset.bytes.length,
          bytesSent: 0,
          complete: false,
        };
        downloads.push(download);
        const pump = () => {
          while (download.bytesSent < asset.bytes.length && !response.destroyed) {
            const piece = asset.bytes.subarray(download.bytesSent, download.bytesSent + 64 * 1024);
            download.bytesSent += piece.length;
            if (!response.write(piece)) return void response.once('drain', pump);
          }
          if (response.destroyed) return;
          download.complete = true;
          response.end();
        };
        return pump();
      }
      if (!url.pathname.startsWith('/v1/')) return void response.writeHead(404).end();

      if (request.headers.authorization !== expectedAuth) {
        requests.push(record);
        return fail(response, 401, 'unauthorized', 'Invalid API key or secret');
      }
      record.api = true;
      const now = clock();
      const inWindow = windowCount(now);
      requests.push(record);
      if (faults.delayMs > 0) {
        const received = readBody(request, 200 * 1024 * 1024).catch(() => 'too_large' as const);
        await Promise.all([received, new Promise((resolve) => setTimeout(resolve, faults.delayMs))]);
      }
      if (limit !== null && inWindow >= limit) {
        record.status = 429;
        const oldest = requests.find(
          (entry) => entry.api && entry.status !== 429 && entry.at > now - rateWindowMs,
        );
        const remainingSeconds = Math.max(1, Math.ceil(((oldest?.at ?? now) + rateWindowMs - now) / 1000));
        return fail(response, 429, 'rate_limited', 'Rate limit exceeded: 100 requests per minute', {
          remainingSeconds,
        });
      }
      const forced = faults.rateLimitNext > 0;
      if (forced) faults.rateLimitNext -= 1;
      if (forced || (faults.rateLimitRatio > 0 && Math.random() < faults.rateLimitRatio)) {
        return faults.rateLimitRetryAfter
          ? send(response, 429, { status: 429, message: 'Too many requests' }, { 'retry-after': '1' })
          : send(response, 429, { status: 429, message: 'Too many requests', remainingSeconds: 1 });
      }
      if (faults.serverErrorsNext > 0) {
        faults.serverErrorsNext -= 1;
        return send(response, faults.serverErrorStatus, {
          statusCode: faults.serverErrorStatus,
          error: 'Service Unavailable',
          message: 'Upstream error',
        });
      }
      await handleApi(request, response, url.pathname, url.searchParams, record);
    } catch (error) {
      if (!response.headersSent)
        fail(response, 500, 'internal', error instanceof Error ? error.message : 'internal error');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}/v1`,
    origin,
    faults,
    requests,
    jobs,
    assets,
    downloads,
    generateCalls: () =>
      requests.filter((entry) => entry.method === 'POST' && entry.path.startsWith('/v1/generate/custom/')),
    requestsPerMinutePeak(windowMs = rateWindowMs) {
      const times = requests.filter((entry) => entry.api).map((entry) => entry.at);
      let peak = 0;
      let start = 0;
      for (let end = 0; end < times.length; end += 1) {
        while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start += 1;
        peak = Math.max(peak, end - start + 1);
      }
      return peak;
    },
    get models() {
      return models;
    },
    narrowInput(modelId, name, change) {
      const input = models[modelId]?.inputs.find((candidate) => candidate.name === name);
      if (!input) throw new Error(`no input ${name} on ${modelId}`);
      Object.assign(input, change);
    },
    schemaReads: (modelId) =>
      requests.filter(
        (entry) =>
          entry.method === 'GET' &&
          (modelId ? entry.path === `/v1/models/${modelId}` : entry.path.startsWith('/v1/models/')),
      ),
    finishJob(jobId, outcome = 'success') {
      const job = jobs.get(jobId);
      if (!job) return;
      job.outcome = outcome;
      job.durationMs = Math.max(0, clock() - job.createdAt);
      if (outcome === 'failure') {
        job.error = faults.failError;
        job.hint = faults.failHint;
      }
    },
    reset() {
      Object.assign(faults, noFaults());
      requests.length = 0;
      models = emulatedModels();
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Stop accepting first, then drop keep-alive and in-flight connections.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
