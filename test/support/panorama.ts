import type { Face, RgbaImage } from '../../src/services/assets/cubemap.js';

/**
 * A test panorama coloured by direction: 8 longitude sectors of 45° (sector 0 starts at φ = −180°) × 4
 * latitude bands of 45° (band 0 is the top, θ from +90° to +45°). Each cell has its own opaque colour, so
 * a sample of a face says which way that pixel looks.
 */
export function sectorColour(sector: number, band: number): [number, number, number, number] {
  return [20 + sector * 30, 30 + band * 60, 200 - sector * 10 - band * 20, 255];
}

const DEG = Math.PI / 180;

/** The sector and band of a direction (radians), following the φ/θ definitions. */
export function cellOf(phi: number, theta: number): { sector: number; band: number } {
  const sector = Math.min(7, Math.floor((phi / DEG + 180) / 45));
  const band = Math.min(3, Math.floor((90 - theta / DEG) / 45));
  return { sector, band };
}

/** The panorama itself: pixel (x, y) at u = (x+0.5)/W, v = (y+0.5)/H, φ = (u − 0.5)·360°, θ = (0.5 − v)·180°. */
export function directionPanorama(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1) {
      const phi = ((x + 0.5) / width - 0.5) * 360 * DEG;
      const theta = (0.5 - (y + 0.5) / height) * 180 * DEG;
      const { sector, band } = cellOf(phi, theta);
      data.set(sectorColour(sector, band), (y * width + x) * 4);
    }
  return { width, height, data };
}

/**
 * Where a face pixel looks, written from the words rather than from the code under test: a side
 * face centred on longitude φ0 sees φ0 + atan(a) at horizontal position a ∈ [−1, 1] (left column towards
 * φ0 − 45°), and the top row (b = −1) is up; the up face has front at its bottom edge and left on its left,
 * so a point (a, b) lies towards atan2(a, b) at elevation atan(1/√(a²+b²)); the down face has front at its
 * top edge: towards atan2(a, −b), elevation −atan(1/√(a²+b²)).
 */
export function expectedDirection(face: Face, a: number, b: number): { phi: number; theta: number } {
  const sides: Partial<Record<Face, number>> = { front: 0, right: 90, back: 180, left: -90 };
  const centre = sides[face];
  if (centre !== undefined) {
    let phi = centre * DEG + Math.atan(a);
    if (phi > Math.PI) phi -= 2 * Math.PI;
    return { phi, theta: Math.atan(-b / Math.sqrt(1 + a * a)) };
  }
  const elevation = Math.atan(1 / Math.hypot(a, b));
  return face === 'up'
    ? { phi: Math.atan2(a, b), theta: elevation }
    : { phi: Math.atan2(a, -b), theta: -elevation };
}

/** Degrees a direction must keep from a sector or band edge to be sampled (bilinear blends at edges). */
const MARGIN_DEG = 4;

function nearEdge(phi: number, theta: number): boolean {
  const p = phi / DEG + 180;
  const t = 90 - theta / DEG;
  const fromPhiEdge = Math.abs(p - Math.round(p / 45) * 45);
  const fromThetaEdge = Math.abs(t - Math.round(t / 45) * 45);
  // Near a pole every sector meets: longitude means little there.
  return fromPhiEdge < MARGIN_DEG || fromThetaEdge < MARGIN_DEG || Math.abs(theta / DEG) > 84;
}

/** The sample points of a face of side n (a grid of `steps`², minus those near an edge of the colouring). */
function samplePoints(face: Face, n: number, steps: number) {
  const points: Array<{ i: number; j: number; phi: number; theta: number }> = [];
  for (let sj = 0; sj < steps; sj += 1)
    for (let si = 0; si < steps; si += 1) {
      const i = Math.floor(((si + 0.5) / steps) * n);
      const j = Math.floor(((sj + 0.5) / steps) * n);
      const { phi, theta } = expectedDirection(face, (2 * (i + 0.5)) / n - 1, (2 * (j + 0.5)) / n - 1);
      if (!nearEdge(phi, theta)) points.push({ i, j, phi, theta });
    }
  return points;
}

/**
 * A face checked against the convention: how many points were sampled (a check of none could not fail)
 * and those whose colour is not the colour of the cell the convention says they look at.
 */
export function checkFace(face: Face, image: RgbaImage, steps = 12) {
  const n = image.width;
  const points = samplePoints(face, n, steps);
  const wrong = points.flatMap(({ i, j, phi, theta }) => {
    const { sector, band } = cellOf(phi, theta);
    const expected = sectorColour(sector, band);
    const actual = [...image.data.subarray((j * n + i) * 4, (j * n + i) * 4 + 4)];
    return actual.some((value, c) => value !== expected[c]) ? [{ i, j, expected, actual }] : [];
  });
  return { checked: points.length, wrong };
}

/** The face of side n in a cross's cell (column, row), cut out of the cross. */
export function crossCell(cross: RgbaImage, column: number, row: number, n: number): RgbaImage {
  const data = new Uint8Array(n * n * 4);
  for (let j = 0; j < n; j += 1) {
    const from = ((row * n + j) * cross.width + column * n) * 4;
    data.set(cross.data.subarray(from, from + n * 4), j * n * 4);
  }
  return { width: n, height: n, data };
}

/** A face mirrored left to right, or turned a quarter clockwise: what the convention must catch. */
export function mirrored(image: RgbaImage): RgbaImage {
  const n = image.width;
  const data = new Uint8Array(image.data.length);
  for (let j = 0; j < n; j += 1)
    for (let i = 0; i < n; i += 1)
      data.set(image.data.subarray((j * n + i) * 4, (j * n + i) * 4 + 4), (j * n + (n - 1 - i)) * 4);
  return { ...image, data };
}

export function rotated(image: RgbaImage): RgbaImage {
  const n = image.width;
  const data = new Uint8Array(image.data.length);
  for (let j = 0; j < n; j += 1)
    for (let i = 0; i < n; i += 1)
      data.set(image.data.subarray((j * n + i) * 4, (j * n + i) * 4 + 4), (i * n + (n - 1 - j)) * 4);
  return { ...image, data };
}
