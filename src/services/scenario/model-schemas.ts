import { z } from 'zod';

/**
 * `GET /models/{modelId}` and `GET /models` (scenario-api.md, "Model parameters"): a model's live input
 * schema and the project's models. Parsed defensively: an input of a type this bot does not know is kept
 * as `unknown` (its values pass unchecked) rather than failing the whole schema.
 */
export const INPUT_TYPES = ['string', 'number', 'integer', 'boolean', 'file', 'file_array'] as const;
export type InputType = (typeof INPUT_TYPES)[number] | 'unknown';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const optionalNumber = z.number().optional().catch(undefined);

export const modelInputSchema = z.object({
  name: z.string().min(1),
  type: z.enum(INPUT_TYPES).catch('unknown' as never) as z.ZodType<InputType>,
  required: z.boolean().optional().catch(undefined),
  default: z.unknown().optional(),
  min: optionalNumber,
  max: optionalNumber,
  step: z.number().positive().optional().catch(undefined),
  allowedValues: z.array(scalar).optional().catch(undefined),
  maxItems: z.number().int().positive().optional().catch(undefined),
  description: z.string().optional().catch(undefined),
});
export type ModelInput = z.infer<typeof modelInputSchema>;

export const modelSchemaSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional().catch(undefined),
  /** The output family: `image`, `skybox`, `3d`, `video`, `audio`, … */
  type: z.string().optional().catch(undefined),
  inputs: z.array(modelInputSchema),
});
export type ModelSchema = z.infer<typeof modelSchemaSchema>;

export const modelEnvelopeSchema = z.object({ model: modelSchemaSchema });

export const modelSummarySchema = z.object({
  id: z.string().min(1),
  name: z.string().optional().catch(undefined),
  type: z.string().optional().catch(undefined),
});
export type ModelSummary = z.infer<typeof modelSummarySchema>;

export const modelListSchema = z.object({
  models: z.array(z.unknown()).transform((items) =>
    items.flatMap((item) => {
      const parsed = modelSummarySchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    }),
  ),
  nextPaginationToken: z.string().optional().catch(undefined),
});
