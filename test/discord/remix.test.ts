import { describe, expect, it } from 'vitest';
import { REMIX_TEXT } from '../../src/discord/messages-remix.js';
import { remixBody, remixModal } from '../../src/discord/remix.js';
import { REMIX_IDS, remixRow, remixTarget } from '../../src/discord/remix-controls.js';
import { resultComponents } from '../../src/discord/result-controls.js';
import { gptImage2 } from '../../src/models/gpt-image-2.js';
import { pixal3d } from '../../src/models/pixal3d.js';
import { skyboxFlux } from '../../src/models/skybox-flux.js';
import type { Generation } from '../../src/services/jobs/generation-log.js';
import type { JobRecord } from '../../src/services/jobs/job-ledger.js';

const generation = (modelId: string, body: Record<string, unknown>): Generation => ({
  id: 'local_0b5c',
  modelId,
  command: 'skybox flux',
  body,
  seed: typeof body.seed === 'number' ? body.seed : undefined,
  outputs: 1,
  guildId: 'g',
  channelId: 'c',
  userId: 'u',
  status: 'delivered',
  messageId: 'm',
  links: [],
  creditsSpent: 1,
  createdAt: 0,
});

const record = (modelId: string) => ({ id: 'local_0b5c', modelId }) as JobRecord;

describe('the Remix controls', () => {
  it.each([
    [skyboxFlux.id, 1],
    [gptImage2.id, 1],
    ['model_kling-v2-6-t2v-pro', 1],
    [pixal3d.id, 0],
  ])('gives %s %i Remix row(s), beside the result’s own row', (modelId, rows) => {
    expect(remixRow(record(modelId))).toHaveLength(rows);
    const all = resultComponents(record(modelId));
    expect(all.filter((row) => JSON.stringify(row).includes('result:remix:'))).toHaveLength(rows);
    expect(all).toEqual(expect.arrayContaining(remixRow(record(modelId))));
  });

  it('reads the generation id back from its custom ids only', () => {
    expect(remixTarget(REMIX_IDS.button('local_0b5c'), 'button')).toBe('local_0b5c');
    expect(remixTarget(REMIX_IDS.modal('local_0b5c'), 'modal')).toBe('local_0b5c');
    expect(remixTarget(REMIX_IDS.modal('local_0b5c'), 'button')).toBeUndefined();
    expect(remixTarget('remix:../../etc', 'modal')).toBeUndefined();
    expect(remixTarget('result:reroll', 'button')).toBeUndefined();
  });

  it('builds a modal within Discord’s limits even for a 4000-character prompt', () => {
    const modal = remixModal(
      generation(skyboxFlux.id, { prompt: 'p'.repeat(4000), negativePrompt: 'n', seed: 7 }),
    );
    expect(modal.title.length).toBeLessThanOrEqual(45);
    expect(modal.components).toHaveLength(3);
    // GPT Image 2 has neither a negative prompt nor a seed: the prompt only.
    expect(remixModal(generation(gptImage2.id, { prompt: 'a cat' })).components).toHaveLength(1);
  });
});

describe('the remixed body', () => {
  const original = generation(skyboxFlux.id, {
    prompt: 'a beach',
    style: 'fantasy',
    negativePrompt: 'people',
    image: 'asset_abc',
    seed: 42,
  });

  it('keeps everything but the edited text and the seed', () => {
    expect(remixBody(original, { prompt: ' a bay ', negativePrompt: undefined, seed: '' })).toEqual({
      ok: true,
      body: { prompt: 'a bay', style: 'fantasy', negativePrompt: 'people', image: 'asset_abc' },
    });
    expect(remixBody(original, { prompt: 'a bay', negativePrompt: 'boats', seed: '9' })).toEqual({
      ok: true,
      body: { prompt: 'a bay', style: 'fantasy', negativePrompt: 'boats', image: 'asset_abc', seed: 9 },
    });
  });

  it.each([
    [{ prompt: '', negativePrompt: undefined, seed: undefined }, REMIX_TEXT.empty('prompt')],
    [{ prompt: undefined, negativePrompt: undefined, seed: undefined }, REMIX_TEXT.empty('prompt')],
    [
      { prompt: 'x'.repeat(4001), negativePrompt: undefined, seed: undefined },
      REMIX_TEXT.tooLong('prompt', 4001, 4000),
    ],
    [
      { prompt: 'ok', negativePrompt: 'n'.repeat(2001), seed: undefined },
      REMIX_TEXT.tooLong('negative_prompt', 2001, 2000),
    ],
    [{ prompt: 'ok', negativePrompt: undefined, seed: '-1' }, REMIX_TEXT.badSeed(0, 2147483647, '-1')],
    [{ prompt: 'ok', negativePrompt: undefined, seed: '1e3' }, REMIX_TEXT.badSeed(0, 2147483647, '1e3')],
  ])('refuses %o', (edits, message) => {
    expect(remixBody(original, edits)).toEqual({ ok: false, message });
  });
});
