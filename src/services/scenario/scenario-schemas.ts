import { z } from 'zod';

/**
 * Scenario response shapes, parsed defensively: the guides disagree on `id` vs `jobId`, on
 * `failed`/`succeeded` vs `failure`/`success`, and on progress 0..1 vs 0..100 (scenario-api.md,
 * "Known inconsistencies"). Everything is normalised here so the rest of the bot sees one shape.
 */
export const RUNNING_STATUSES = ['pending', 'queued', 'warming-up', 'in-progress', 'finalizing'] as const;
export const TERMINAL_STATUSES = ['success', 'failure', 'canceled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
/** Unknown statuses are treated as running, as the contract asks. */
export type JobStatus = (typeof RUNNING_STATUSES)[number] | TerminalStatus | 'running';

const STATUS_ALIASES: Record<string, JobStatus> = {
  succeeded: 'success',
  success: 'success',
  failed: 'failure',
  failure: 'failure',
  canceled: 'canceled',
  cancelled: 'canceled',
};

export function normaliseStatus(raw: string): JobStatus {
  const lower = raw.toLowerCase();
  const alias = STATUS_ALIASES[lower];
  if (alias) return alias;
  return (RUNNING_STATUSES as readonly string[]).includes(lower) ? (lower as JobStatus) : 'running';
}

export function isTerminal(status: JobStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Progress as a fraction 0..1 whatever the scale Scenario used. */
export function normaliseProgress(raw: number | undefined): number {
  if (raw === undefined || !Number.isFinite(raw)) return 0;
  const fraction = raw > 1 ? raw / 100 : raw;
  return Math.min(1, Math.max(0, fraction));
}

const text = z.union([z.string(), z.number()]).transform(String);
const errorText = z
  .union([
    z.string(),
    z
      .object({ message: z.string() })
      .loose()
      .transform((e) => e.message),
  ])
  .optional()
  .catch(undefined);

const rawJobSchema = z
  .object({
    jobId: z.string().optional(),
    id: z.string().optional(),
    jobType: z.string().optional(),
    status: z.string(),
    progress: z.number().optional().catch(undefined),
    createdAt: z.string().optional().catch(undefined),
    updatedAt: z.string().optional().catch(undefined),
    billing: z
      .object({
        cuCost: z.number().optional(),
        cuDiscount: z.number().optional(),
        disableRefund: z.boolean().optional(),
      })
      .loose()
      .optional()
      .catch(undefined),
    metadata: z
      .object({
        assetIds: z.array(z.string()).optional().catch(undefined),
        error: errorText,
        hint: errorText,
        // The parameters the job was started with: how a job whose submission went unanswered is found.
        input: z.record(z.string(), z.unknown()).optional().catch(undefined),
        modelId: z.string().optional().catch(undefined),
      })
      .loose()
      .optional()
      .catch(undefined),
    error: errorText,
  })
  .loose()
  .refine((job) => job.jobId !== undefined || job.id !== undefined, 'job has neither jobId nor id');

export const jobSchema = rawJobSchema.transform((job) => {
  const status = normaliseStatus(job.status);
  return {
    jobId: (job.jobId ?? job.id) as string,
    jobType: job.jobType,
    status,
    rawStatus: job.status,
    progress: status === 'success' ? 1 : normaliseProgress(job.progress),
    assetIds: job.metadata?.assetIds ?? [],
    error: job.metadata?.error ?? job.error,
    hint: job.metadata?.hint,
    cuCost: job.billing?.cuCost,
    input: job.metadata?.input,
    modelId: job.metadata?.modelId,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
});
export type Job = z.output<typeof jobSchema>;

export const jobEnvelopeSchema = z.object({ job: jobSchema }).loose();

export const runModelResponseSchema = z
  .object({
    job: jobSchema,
    creativeUnitsCost: z.number().optional().catch(undefined),
    creativeUnitsDiscount: z.number().optional().catch(undefined),
  })
  .loose();
export type RunModelResponse = z.output<typeof runModelResponseSchema>;

export const dryRunResponseSchema = z
  .object({ creativeUnitsCost: z.number().optional(), estimatedCost: z.number().optional() })
  .loose()
  .transform((body) => ({ creativeUnitsCost: body.creativeUnitsCost ?? body.estimatedCost }));

export const jobListSchema = z
  .object({
    // One malformed job must not hide the others: keep the ones that parse.
    jobs: z.array(z.unknown()).transform((items) =>
      items.flatMap((item) => {
        const parsed = jobSchema.safeParse(item);
        return parsed.success ? [parsed.data] : [];
      }),
    ),
    nextPaginationToken: z.string().optional().catch(undefined),
  })
  .loose();

const linkSchema = z.object({ url: z.string() }).loose().optional().catch(undefined);

export const assetSchema = z
  .object({
    id: z.string(),
    url: z.string().optional(),
    mimeType: z.string().optional().catch(undefined),
    kind: z.string().optional().catch(undefined),
    status: z.string().optional().catch(undefined),
    properties: z
      .object({
        width: z.number().optional().catch(undefined),
        height: z.number().optional().catch(undefined),
        size: z.number().optional().catch(undefined),
      })
      .loose()
      .optional()
      .catch(undefined),
    thumbnail: linkSchema,
    preview: linkSchema,
    metadata: z.record(z.string(), z.unknown()).optional().catch(undefined),
  })
  .loose();
export type Asset = z.output<typeof assetSchema>;

export const assetEnvelopeSchema = z.object({ asset: assetSchema }).loose();
export const assetListSchema = z.object({ assets: z.array(assetSchema) }).loose();
/** `POST /assets/{id}/download {targetFormat}`: a signed link to the converted file. */
export const conversionSchema = z.object({ url: z.string().min(1) }).loose();

export const uploadSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    parts: z
      .array(z.object({ number: z.number(), url: z.string() }).loose())
      .optional()
      .catch(undefined),
    entityId: z.string().optional().catch(undefined),
    assetId: z.string().optional().catch(undefined),
    errorMessage: z.string().optional().catch(undefined),
  })
  .loose();
export const uploadEnvelopeSchema = z.object({ upload: uploadSchema }).loose();

/** Error bodies vary: {status, code, message}, {statusCode, error, message}, or reason/detail. */
export const errorBodySchema = z
  .object({
    message: text.optional().catch(undefined),
    error: text.optional().catch(undefined),
    reason: text.optional().catch(undefined),
    detail: text.optional().catch(undefined),
    code: text.optional().catch(undefined),
    remainingSeconds: z.number().optional().catch(undefined),
    actionLimit: z.unknown().optional(),
  })
  .loose();
