import type { Logger } from 'pino';
import { z } from 'zod';
import { specDifferences, specFromSchema } from '../../models/live-spec.js';
import type { ModelSpec } from '../../models/spec.js';
import type { Clock } from '../clock.js';
import type { KeyValue } from '../store/store.js';
import {
  type ModelSchema,
  type ModelSummary,
  modelSchemaSchema,
  modelSummarySchema,
} from './model-schemas.js';
import type { ScenarioClient } from './scenario-client.js';
import { ScenarioError } from './scenario-errors.js';

export type SchemaLookup =
  | { ok: true; schema: ModelSchema }
  /** 404 or 403: the model does not exist, or is not in the project's plan. */
  | { ok: false; reason: 'model_not_found' }
  | { ok: false; reason: 'unavailable'; kind: ScenarioError['kind'] };

export interface ModelCatalogOptions {
  scenario: Pick<ScenarioClient, 'models'>;
  store: KeyValue;
  clock: Clock;
  /** How long a schema (and the model list) is trusted before it is read again (`MODEL_SCHEMA_TTL_MS`). */
  ttlMs: number;
  logger: Logger;
  /** The models with a spec file: checked against their live schema at start and at every refresh. */
  seedSpecs: readonly ModelSpec[];
}

/** An unknown model is asked about again sooner than a known one's schema: it may be added to the plan. */
const MISSING_TTL_MS = 60_000;
const LIST_KEY = 'models:list';

const cachedSchema = z.object({
  fetchedAt: z.number(),
  schema: modelSchemaSchema.optional(),
  missing: z.literal(true).optional(),
});
const cachedList = z.object({ fetchedAt: z.number(), models: z.array(modelSummarySchema) });

/**
 * Models' live input schemas (`GET /models/{id}`) and the project's model list (`GET /models`), read
 * through the Scenario client (so inside the request budget) and cached in the store for `ttlMs`: a burst
 * of commands for one model costs one read, and concurrent reads of the same schema are coalesced into
 * one request. Each time a seed model's schema is read from Scenario, it is compared with its spec and
 * every difference is logged once.
 */
export class ModelCatalog {
  private readonly inflight = new Map<string, Promise<SchemaLookup>>();
  private listing: Promise<ModelSummary[]> | undefined;
  private readonly reported = new Set<string>();

  constructor(private readonly options: ModelCatalogOptions) {}

  /** The model's schema: from the cache while fresh, else read from Scenario (one read for all callers). */
  async schemaOf(modelId: string, read: 'cached' | 'fresh' = 'cached'): Promise<SchemaLookup> {
    if (read === 'cached') {
      const cached = await this.readCache(modelId);
      if (cached) return cached;
    }
    let pending = this.inflight.get(modelId);
    if (!pending) {
      pending = this.fetch(modelId).finally(() => this.inflight.delete(modelId));
      this.inflight.set(modelId, pending);
    }
    return pending;
  }

  /**
   * What the pipeline needs to know of a model: its spec file, or one derived from its live schema
   * (family, cost, seed, outputs, file inputs); `undefined` when Scenario does not know the model.
   */
  async specFor(modelId: string): Promise<ModelSpec | undefined> {
    const seed = this.options.seedSpecs.find((spec) => spec.id === modelId);
    if (seed) return seed;
    const lookup = await this.schemaOf(modelId);
    return lookup.ok ? specFromSchema(lookup.schema) : undefined;
  }

  /**
   * Start-up check: reads the seed models' schemas fresh (other models are taken from the cache when
   * asked for) and logs how each spec differs from Scenario's. A model Scenario cannot describe right
   * now is logged and skipped: the bot starts anyway.
   */
  async checkSeedSpecs(): Promise<void> {
    await Promise.all(this.options.seedSpecs.map((spec) => this.schemaOf(spec.id, 'fresh')));
  }

  /** The project's models for autocomplete, the seed models first; cached like schemas. */
  async list(): Promise<ModelSummary[]> {
    const { store, clock, ttlMs } = this.options;
    const cached = cachedList.safeParse(await store.get(LIST_KEY).catch(() => undefined));
    if (cached.success && clock.now() - cached.data.fetchedAt < ttlMs)
      return this.seedFirst(cached.data.models);
    this.listing ??= (async () => {
      try {
        const models = await this.options.scenario.models.list();
        await store.set(LIST_KEY, { fetchedAt: clock.now(), models }, ttlMs).catch(() => undefined);
        return models;
      } catch (error) {
        this.options.logger.warn({ err: error }, 'could not list the project’s models');
        return cached.success ? cached.data.models : [];
      } finally {
        this.listing = undefined;
      }
    })();
    return this.seedFirst(await this.listing);
  }

  private seedFirst(models: ModelSummary[]): ModelSummary[] {
    const seeds = this.options.seedSpecs.map(
      (spec): ModelSummary =>
        models.find((model) => model.id === spec.id) ?? { id: spec.id, name: spec.label, type: undefined },
    );
    return [...seeds, ...models.filter((model) => !seeds.some((seed) => seed.id === model.id))];
  }

  private async readCache(modelId: string): Promise<SchemaLookup | undefined> {
    let raw: unknown;
    try {
      raw = await this.options.store.get(`schema:${modelId}`);
    } catch (error) {
      this.options.logger.warn({ err: error, modelId }, 'schema cache unavailable; asking Scenario');
      return undefined;
    }
    const parsed = cachedSchema.safeParse(raw);
    if (!parsed.success) return undefined;
    const age = this.options.clock.now() - parsed.data.fetchedAt;
    if (parsed.data.schema && age < this.options.ttlMs) return { ok: true, schema: parsed.data.schema };
    if (parsed.data.missing && age < Math.min(MISSING_TTL_MS, this.options.ttlMs))
      return { ok: false, reason: 'model_not_found' };
    return undefined;
  }

  private async fetch(modelId: string): Promise<SchemaLookup> {
    const { scenario, store, clock, ttlMs, logger } = this.options;
    const key = `schema:${modelId}`;
    try {
      const schema = await scenario.models.retrieve(modelId);
      await store.set(key, { fetchedAt: clock.now(), schema }, ttlMs).catch(() => undefined);
      this.compareWithSpec(schema);
      return { ok: true, schema };
    } catch (error) {
      const kind = error instanceof ScenarioError ? error.kind : 'unavailable';
      if (kind === 'not_found' || kind === 'forbidden') {
        await store
          .set(key, { fetchedAt: clock.now(), missing: true }, MISSING_TTL_MS)
          .catch(() => undefined);
        return { ok: false, reason: 'model_not_found' };
      }
      logger.warn({ err: error, modelId }, 'could not read the model’s schema');
      return { ok: false, reason: 'unavailable', kind };
    }
  }

  /** Logs each difference between a seed spec and the live schema once per process. */
  private compareWithSpec(schema: ModelSchema): void {
    const spec = this.options.seedSpecs.find((candidate) => candidate.id === schema.id);
    if (!spec) return;
    for (const difference of specDifferences(spec, schema)) {
      const key = `${spec.id}:${difference.param}:${difference.ours}:${difference.live}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      this.options.logger.warn(
        { modelId: spec.id, ...difference },
        difference.narrower
          ? 'the live schema is narrower than our spec: its rule is enforced'
          : 'the live schema differs from our spec',
      );
    }
  }
}
