import { describe, expect, it } from 'vitest';
import { factsLine, modelLines } from '../../src/discord/messages-3d.js';
import type { ModelFacts } from '../../src/services/models3d/model-inspector.js';

const facts: ModelFacts = {
  triangles: 12_480,
  vertices: 6_302,
  meshes: 2,
  materials: 3,
  textures: 4,
  largestTexture: { width: 2048, height: 2048 },
  size: [1.94, 2.06, 0.81],
  bytes: 4.2 * 1024 * 1024,
};

describe('3D result words', () => {
  it('puts a model in one short line', () => {
    expect(factsLine(facts)).toBe(
      '12,480 triangles · 6,302 vertices · 2 meshes · 3 materials · 4 textures up to 2048² · 1.9 × 2.1 × 0.81 · 4.2 MB',
    );
  });

  it.each([
    [{ textures: 0, largestTexture: undefined }, 'no textures'],
    [{ textures: 1, largestTexture: { width: 4096, height: 2048 } }, '1 texture up to 4096×2048'],
    [{ triangles: 1, vertices: 1, meshes: 1, materials: 1 }, '1 triangle · 1 vertex · 1 mesh · 1 material'],
    [{ size: [120.4, 0.05, 12.34] as [number, number, number] }, '120 × 0.05 × 12.3'],
  ])('says %o as "%s"', (change, words) => {
    expect(factsLine({ ...facts, ...change })).toContain(words);
  });

  it('names each model when a result has several, and says why a preview or facts are missing', () => {
    const lines = modelLines(
      [
        { assetId: 'a', name: 'a.glb', facts, preview: { ok: false, reason: 'too_slow' } },
        { assetId: 'b', name: 'b.glb', problem: 'unsupported' },
        { assetId: 'c', name: 'c.glb', problem: 'unreadable' },
      ],
      true,
    );
    expect(lines[0]).toMatch(/^🧊 `a\.glb`: 12,480 triangles/);
    expect(lines[1]).toBe('🖼️ `a.glb`: no preview: this model is too heavy to draw in time.');
    expect(lines[2]).toContain("`b.glb`: the bot could not read this model's details");
    expect(lines[3]).toContain('`c.glb` from Scenario is damaged');
    expect(lines.at(-1)).toContain('FBX · OBJ · USDZ · STL');
  });

  it('offers no conversion when the only model was damaged', () => {
    expect(modelLines([{ assetId: 'c', name: 'c.glb', problem: 'unreadable' }], true)).toHaveLength(1);
  });

  it('mentions the conversion buttons only where the result has them', () => {
    const model = { assetId: 'a', name: 'a.glb', facts };
    expect(modelLines([model], true).join('\n')).toContain('FBX · OBJ · USDZ · STL');
    expect(modelLines([model], false).join('\n')).not.toContain('FBX');
  });
});
