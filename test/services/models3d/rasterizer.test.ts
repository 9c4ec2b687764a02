import { describe, expect, it } from 'vitest';
import { type DrawBatch, type RgbaImage, renderPreview } from '../../../src/services/models3d/rasterizer.js';

/** A square in the XY plane at depth `z`, facing +Z (the model's front), with UVs (0,0) at its top left. */
function square(z: number, color: [number, number, number], half = 1, texture?: RgbaImage): DrawBatch {
  return {
    positions: new Float32Array([-half, half, z, half, half, z, half, -half, z, -half, -half, z]),
    indices: new Uint32Array([0, 3, 1, 1, 3, 2]),
    uvs: new Float32Array([0, 0, 1, 0, 1, 1, 0, 1]),
    color: [...color, 1],
    texture,
  };
}

const pixel = (image: RgbaImage, x: number, y: number) => {
  const offset = (y * image.width + x) * 4;
  return [...image.data.subarray(offset, offset + 3)];
};
/** Which of red, green, blue dominates a pixel (or 'grey'). */
const hueOf = ([r = 0, g = 0, b = 0]: number[]) => {
  const max = Math.max(r, g, b);
  if (max - Math.min(r, g, b) < 30) return 'grey';
  return max === r ? 'red' : max === g ? 'green' : 'blue';
};
const front = { width: 64, height: 64, azimuth: 0, elevation: 0 };

describe('renderPreview', () => {
  it('draws a model over the background, lit, and leaves the corners as background', () => {
    const result = renderPreview([square(0, [1, 0, 0])], front);
    if (!result.ok) throw new Error('stopped');
    expect(hueOf(pixel(result.image, 32, 32))).toBe('red');
    expect(pixel(result.image, 32, 32)[0]).toBeGreaterThan(80);
    expect(hueOf(pixel(result.image, 0, 0))).toBe('grey');
    expect(result.drawnPixels).toBeGreaterThan(100);
  });

  it.each([
    ['near first', [square(0.5, [0, 1, 0], 0.5), square(-0.5, [1, 0, 0])]],
    ['far first', [square(-0.5, [1, 0, 0]), square(0.5, [0, 1, 0], 0.5)]],
  ])('keeps the nearer surface in front whatever the drawing order (%s)', (_, batches) => {
    const result = renderPreview(batches as DrawBatch[], front);
    if (!result.ok) throw new Error('stopped');
    expect(hueOf(pixel(result.image, 32, 32))).toBe('green');
    // The far square is larger: its rim shows around the near one.
    expect(hueOf(pixel(result.image, 32, 14))).toBe('red');
  });

  it('maps the base-colour texture upright and not mirrored (UV 0,0 at the top left)', () => {
    // 2×2 texture: red, green / blue, white.
    const texture: RgbaImage = {
      width: 2,
      height: 2,
      data: new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]),
    };
    const result = renderPreview([square(0, [1, 1, 1], 1, texture)], front);
    if (!result.ok) throw new Error('stopped');
    expect(hueOf(pixel(result.image, 24, 24))).toBe('red');
    expect(hueOf(pixel(result.image, 40, 24))).toBe('green');
    expect(hueOf(pixel(result.image, 24, 40))).toBe('blue');
  });

  it('shades by the light: a surface turned away from it is darker than one facing it', () => {
    const facing = renderPreview([square(0, [1, 1, 1])], front);
    const turned: DrawBatch = {
      ...square(0, [1, 1, 1]),
      normals: new Float32Array(Array.from({ length: 4 }, () => [0.9, -0.43, 0]).flat()),
    };
    const away = renderPreview([turned], front);
    if (!facing.ok || !away.ok) throw new Error('stopped');
    expect(pixel(away.image, 32, 32)[0]).toBeLessThan((pixel(facing.image, 32, 32)[0] ?? 0) - 40);
  });

  it('stops when asked to, before and while drawing (a render over its time budget)', () => {
    const many: DrawBatch = {
      ...square(0, [1, 0, 0]),
      indices: new Uint32Array(Array.from({ length: 5000 }, () => [0, 3, 1]).flat()),
    };
    expect(renderPreview([many], { ...front, shouldStop: () => true })).toEqual({
      ok: false,
      reason: 'stopped',
    });
    let asked = 0;
    const midway = renderPreview([many], { ...front, shouldStop: () => ++asked > 1 });
    expect(midway).toEqual({ ok: false, reason: 'stopped' });
    expect(asked).toBe(2);
  });

  it('renders an empty scene as the background alone', () => {
    const result = renderPreview([], front);
    expect(result.ok && result.drawnPixels).toBe(0);
  });
});
