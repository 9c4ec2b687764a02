import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CROSS_CELLS, FACES, faceSizeFor, panoramaToFaces } from '../../../src/services/assets/cubemap.js';
import { cubemapFilesOf } from '../../../src/services/assets/cubemap-files.js';
import {
  checkFace,
  crossCell,
  directionPanorama,
  mirrored,
  rotated,
  sectorColour,
} from '../../support/panorama.js';

describe('the sphere → cube remap', () => {
  const panorama = directionPanorama(512, 256);

  it('makes faces of side W/4, capped at 2048', () => {
    expect(faceSizeFor(512)).toBe(128);
    expect(faceSizeFor(3840)).toBe(960);
    expect(faceSizeFor(8192)).toBe(2048);
    expect(faceSizeFor(16384)).toBe(2048);
    expect(faceSizeFor(2)).toBe(1);
  });

  it.each(FACES)('%s looks where the convention says, at every sample point', async (face) => {
    const faces = await panoramaToFaces(panorama);
    expect(faces[face].width).toBe(128);
    const { checked, wrong } = checkFace(face, faces[face]);
    expect(checked).toBeGreaterThan(60);
    expect(wrong).toEqual([]);
  });

  it('samples named by hand: front centre-right is sector 4 (φ 0…45°), just above the horizon band 1', async () => {
    const faces = await panoramaToFaces(panorama);
    const at = (face: (typeof FACES)[number], i: number, j: number) => [
      ...faces[face].data.subarray((j * 128 + i) * 4, (j * 128 + i) * 4 + 4),
    ];
    // front (φ = 0): a little right of centre and above the horizon → φ ≈ +11°, θ ≈ +6°.
    expect(at('front', 76, 57)).toEqual(sectorColour(4, 1));
    // right (φ = +90°): its left column looks towards front (φ ≈ +45…90°, sector 5), low → band 2.
    expect(at('right', 10, 90)).toEqual(sectorColour(5, 2));
    // back (φ = ±180°): its right half looks towards φ −180…−135° (sector 0), its left half +135…180° (7).
    expect(at('back', 120, 50)).toEqual(sectorColour(0, 1));
    expect(at('back', 8, 50)).toEqual(sectorColour(7, 1));
    // up: the bottom middle is towards front, slightly right (sector 4), the top middle towards back.
    expect(at('up', 70, 120)).toEqual(sectorColour(4, 0));
    expect(at('up', 70, 8)).toEqual(sectorColour(7, 0));
    // up: the left middle is towards left (φ ≈ −90°: sectors 1/2), its upper half sector 1 (φ < −90°).
    expect(at('up', 8, 56)).toEqual(sectorColour(1, 0));
    // down: the top middle is towards front (right of centre: sector 4), the left middle towards left.
    expect(at('down', 70, 8)).toEqual(sectorColour(4, 3));
    expect(at('down', 8, 70)).toEqual(sectorColour(1, 3));
  });

  it('fails a face that is mirrored or rotated (the check can fail)', async () => {
    const faces = await panoramaToFaces(panorama);
    for (const face of FACES) {
      expect(checkFace(face, mirrored(faces[face])).wrong.length, `${face} mirrored`).toBeGreaterThan(0);
      expect(checkFace(face, rotated(faces[face])).wrong.length, `${face} rotated`).toBeGreaterThan(0);
    }
  });

  it('wraps the seam: the middle of back blends the last column with the first', async () => {
    // W = 60: back's middle pixel (i = 7 of 15) looks at φ = 180°, x = 59.5, halfway between column 59
    // (sector 7) and column 0 (sector 0). Clamping instead of wrapping would give sector 7's red alone.
    const faces = await panoramaToFaces(directionPanorama(60, 30));
    const n = faces.back.width;
    expect(n).toBe(15);
    const red = faces.back.data[(7 * n + 7) * 4];
    expect(red).toBe(Math.round((sectorColour(7, 1)[0] + sectorColour(0, 1)[0]) / 2));
  });

  it('lays the horizontal cross out 4 × 3 with transparent empty cells', async () => {
    const png = await sharp(panorama.data, { raw: { width: 512, height: 256, channels: 4 } })
      .png()
      .toBuffer();
    const made = await cubemapFilesOf(png);
    if (!made.ok) throw new Error('the panorama did not convert');
    const { data, info } = await sharp(made.cross).raw().toBuffer({ resolveWithObject: true });
    const cross = { width: info.width, height: info.height, data: new Uint8Array(data) };
    expect([cross.width, cross.height, info.channels]).toEqual([512, 384, 4]);
    for (const face of FACES) {
      const { column, row } = CROSS_CELLS[face];
      expect(checkFace(face, crossCell(cross, column, row, 128)).wrong).toEqual([]);
    }
    for (const [column, row] of [
      [0, 0],
      [2, 0],
      [3, 0],
      [0, 2],
      [2, 2],
      [3, 2],
    ] as const)
      expect(crossCell(cross, column, row, 128).data.every((value) => value === 0)).toBe(true);
  });

  it('converts a panorama that is not 2:1 (faces W/4)', async () => {
    const faces = await panoramaToFaces(directionPanorama(400, 300));
    expect(faces.front.width).toBe(100);
    expect(faces.up.height).toBe(100);
  });

  it('yields between slices of work', async () => {
    let yields = 0;
    await panoramaToFaces(directionPanorama(1024, 512), {
      yieldNow: async () => {
        yields += 1;
      },
    });
    // Six faces of 256² = 393,216 samples in slices of at most 16,384.
    expect(yields).toBeGreaterThanOrEqual(24);
  });
});
