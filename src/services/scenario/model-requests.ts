import {
  type ModelSchema,
  type ModelSummary,
  modelEnvelopeSchema,
  modelListSchema,
} from './model-schemas.js';
import type { ScenarioCall } from './scenario-call.js';

/** `GET /models` pages of 100 read at most: a catalogue, not an unbounded walk. */
const MODEL_LIST_PAGES = 5;

/** The client's `models` group: a model's live input schema, and the models this project may run. */
export function modelRequests(call: ScenarioCall) {
  return {
    /** The model's live input schema; a 404 (`not_found`) or 403 means it is unknown or not in the plan. */
    async retrieve(modelId: string): Promise<ModelSchema> {
      const path = `/models/${encodeURIComponent(modelId)}`;
      return (await call({ method: 'GET', path, schema: modelEnvelopeSchema })).model;
    },
    async list(): Promise<ModelSummary[]> {
      const found: ModelSummary[] = [];
      let paginationToken: string | undefined;
      for (let page = 0; page < MODEL_LIST_PAGES; page += 1) {
        const answer = await call({
          method: 'GET',
          path: '/models',
          query: { pageSize: 100, paginationToken },
          schema: modelListSchema,
        });
        found.push(...answer.models);
        paginationToken = answer.nextPaginationToken;
        if (!paginationToken) break;
      }
      return found;
    },
  };
}
