/**
 * Sphere → cube: the six faces of an equirectangular panorama, over raw RGBA pixel buffers. Pure (no
 * decoding, no files); `cubemap-files.ts` decodes and encodes around it.
 *
 * The convention (README, "Cubemaps"): for a W×H panorama, u = (x+0.5)/W and v = (y+0.5)/H; longitude
 * φ = (u − 0.5)·360° (positive to the right), latitude θ = (0.5 − v)·180° (positive up). `front` looks at
 * φ = 0, `right` at +90°, `back` at ±180°, `left` at −90°, `up` at θ = +90°, `down` at θ = −90°. Side faces
 * are upright and not mirrored as seen from inside (left column towards φ − 45°, top row towards θ = +45°);
 * `up` has front along its bottom edge and left on its left, `down` front along its top edge and left on
 * its left. Faces are W/4 pixels square (at most 2048), sampled bilinearly, the seam (u = 0/1) wrapped.
 */

export const FACES = ['front', 'right', 'back', 'left', 'up', 'down'] as const;
export type Face = (typeof FACES)[number];

/** Decoded pixels, 4 bytes (RGBA) per pixel, rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Largest face side: a 8192-wide panorama gives 2048, and larger ones are not sharper than their source. */
export const MAX_FACE_SIZE = 2048;

/** A face's side for a panorama W pixels wide: W/4, at least 1, at most 2048. Pure. */
export function faceSizeFor(panoramaWidth: number): number {
  return Math.max(1, Math.min(MAX_FACE_SIZE, Math.floor(panoramaWidth / 4)));
}

type Vec3 = readonly [number, number, number];

/**
 * Each face's basis in world axes x = right (φ = +90°), y = up, z = front (φ = 0): the direction through
 * face coordinates (a, b) ∈ [−1, 1]², a to the right and b downwards on the face, is
 * centre + a·right − b·up. `right` and `up` are the face's own image axes as seen from inside.
 */
const BASES: Record<Face, { centre: Vec3; right: Vec3; up: Vec3 }> = {
  front: { centre: [0, 0, 1], right: [1, 0, 0], up: [0, 1, 0] },
  right: { centre: [1, 0, 0], right: [0, 0, -1], up: [0, 1, 0] },
  back: { centre: [0, 0, -1], right: [-1, 0, 0], up: [0, 1, 0] },
  left: { centre: [-1, 0, 0], right: [0, 0, 1], up: [0, 1, 0] },
  // Looking up while facing front: front is at the bottom of the view, left on the left.
  up: { centre: [0, 1, 0], right: [1, 0, 0], up: [0, 0, -1] },
  // Looking down while facing front: front is at the top of the view, left on the left.
  down: { centre: [0, -1, 0], right: [1, 0, 0], up: [0, 0, 1] },
};

/** Output pixels remapped between two yields: about 3 ms of one core, far under the 50 ms budget. */
const PIXELS_PER_SLICE = 16_384;

export interface RemapOptions {
  /** Called between slices of work; the default yields to the event loop (setImmediate). */
  yieldNow?: () => Promise<void>;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The six faces of a panorama. The work is cut into slices with a yield between them, so a 3840×1920
 * panorama (six 960² faces, about 5.5 million samples) never holds the event loop for long.
 */
export async function panoramaToFaces(
  panorama: RgbaImage,
  options: RemapOptions = {},
): Promise<Record<Face, RgbaImage>> {
  const yieldNow = options.yieldNow ?? yieldToLoop;
  const n = faceSizeFor(panorama.width);
  const faces = {} as Record<Face, RgbaImage>;
  const rowsPerSlice = Math.max(1, Math.floor(PIXELS_PER_SLICE / n));
  for (const face of FACES) {
    const data = new Uint8Array(n * n * 4);
    for (let top = 0; top < n; top += rowsPerSlice) {
      remapRows(panorama, face, n, data, top, Math.min(n, top + rowsPerSlice));
      await yieldNow();
    }
    faces[face] = { width: n, height: n, data };
  }
  return faces;
}

function remapRows(
  panorama: RgbaImage,
  face: Face,
  n: number,
  out: Uint8Array,
  fromRow: number,
  toRow: number,
): void {
  const { width: w, height: h, data: src } = panorama;
  const { centre, right, up } = BASES[face];
  // Pixel (i, j) looks along centre + a·right − b·up, a and b its position in [−1, 1] (b downwards); its
  // longitude is atan2(x, z) and its latitude atan2(y, √(x² + z²)). Inlined: this runs millions of times.
  const toX = w / (2 * Math.PI);
  const toY = h / Math.PI;
  for (let j = fromRow; j < toRow; j += 1) {
    const b = (2 * (j + 0.5)) / n - 1;
    const rowX = centre[0] - b * up[0];
    const rowY = centre[1] - b * up[1];
    const rowZ = centre[2] - b * up[2];
    let o = j * n * 4;
    for (let i = 0; i < n; i += 1) {
      const a = (2 * (i + 0.5)) / n - 1;
      const x = rowX + a * right[0];
      const y = rowY + a * right[1];
      const z = rowZ + a * right[2];
      // Continuous source coordinates where pixel centres sit on integers: x = u·W − 0.5.
      const sx = Math.atan2(x, z) * toX + w / 2 - 0.5;
      const sy = h / 2 - Math.atan2(y, Math.sqrt(x * x + z * z)) * toY - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      // The seam wraps in longitude; latitude clamps at the poles.
      const xa = x0 < 0 ? x0 + w : x0 >= w ? x0 - w : x0;
      const xb = xa + 1 === w ? 0 : xa + 1;
      const ya = y0 < 0 ? 0 : y0 > h - 1 ? h - 1 : y0;
      const yb = y0 + 1 > h - 1 ? h - 1 : y0 + 1 < 0 ? 0 : y0 + 1;
      const p00 = (ya * w + xa) * 4;
      const p10 = (ya * w + xb) * 4;
      const p01 = (yb * w + xa) * 4;
      const p11 = (yb * w + xb) * 4;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      for (let c = 0; c < 4; c += 1)
        out[o + c] =
          (src[p00 + c] as number) * w00 +
          (src[p10 + c] as number) * w10 +
          (src[p01 + c] as number) * w01 +
          (src[p11 + c] as number) * w11 +
          0.5;
      o += 4;
    }
  }
}

/** Where each face sits in the horizontal cross (4 × 3 cells): row 1 up; row 2 left, front, right, back; row 3 down. */
export const CROSS_CELLS: Record<Face, { column: number; row: number }> = {
  up: { column: 1, row: 0 },
  left: { column: 0, row: 1 },
  front: { column: 1, row: 1 },
  right: { column: 2, row: 1 },
  back: { column: 3, row: 1 },
  down: { column: 1, row: 2 },
};
