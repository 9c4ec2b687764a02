/**
 * A small software rasterizer for a model's preview: perspective camera, z-buffer over triangles, Lambert
 * shading, base-colour texture. No GPU, no browser: Discord cannot show a .glb, and a member should see the
 * model before downloading it. Pure (arrays in, pixels out), so it runs the same in a worker and in tests.
 */

/** A texture as raw RGBA pixels. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Triangles in world space, with what their material says about colour. */
export interface DrawBatch {
  /** x, y, z per vertex. */
  positions: Float32Array;
  /** Three vertex indices per triangle. */
  indices: Uint32Array;
  /** x, y, z per vertex (unit length); flat shading without them. */
  normals?: Float32Array;
  /** u, v per vertex. */
  uvs?: Float32Array;
  /** Linear multiplier of the texture, 0–1 (glTF's baseColorFactor). */
  color: [number, number, number, number];
  texture?: RgbaImage;
}

export interface RenderOptions {
  width: number;
  height: number;
  /** Degrees around the vertical axis from the model's front (+Z), positive to its right. */
  azimuth?: number;
  /** Degrees above the horizon. */
  elevation?: number;
  /** Asked every few thousand triangles: true stops the render (it would take too long). */
  shouldStop?: () => boolean;
}

export type RenderResult =
  | { ok: true; image: RgbaImage; drawnPixels: number }
  | { ok: false; reason: 'stopped' };

type Vec3 = [number, number, number];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const normalize = (a: Vec3): Vec3 => {
  const length = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / length, a[1] / length, a[2] / length];
};

const FIELD_OF_VIEW = (30 * Math.PI) / 180;
const STOP_CHECK_EVERY = 4096;
/** Discord's dark theme behind the model, top to bottom, so a preview reads as a picture on either theme. */
const BACKGROUND_TOP: Vec3 = [58, 61, 68];
const BACKGROUND_BOTTOM: Vec3 = [30, 31, 34];

/** Where the camera is and how it looks: a front three-quarter view that frames the whole model. */
function cameraFor(batches: readonly DrawBatch[], azimuthDeg: number, elevationDeg: number) {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const batch of batches)
    for (let i = 0; i < batch.positions.length; i += 3)
      for (let axis = 0; axis < 3; axis += 1) {
        const value = batch.positions[i + axis] ?? 0;
        if (value < min[axis]!) min[axis] = value;
        if (value > max[axis]!) max[axis] = value;
      }
  if (!Number.isFinite(min[0])) return undefined;
  const center: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const radius = Math.max(1e-6, Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2]) / 2);
  const azimuth = (azimuthDeg * Math.PI) / 180;
  const elevation = (elevationDeg * Math.PI) / 180;
  const distance = (radius / Math.sin(FIELD_OF_VIEW / 2)) * 1.05;
  const eye: Vec3 = [
    center[0] + distance * Math.sin(azimuth) * Math.cos(elevation),
    center[1] + distance * Math.sin(elevation),
    center[2] + distance * Math.cos(azimuth) * Math.cos(elevation),
  ];
  const forward = normalize(sub(center, eye));
  const right = normalize(cross(forward, [0, 1, 0]));
  const up = cross(right, forward);
  // Light from the upper left, slightly in front: the usual key light of a product shot.
  const light = normalize([
    -0.45 * right[0] + 0.75 * up[0] - 0.5 * forward[0],
    -0.45 * right[1] + 0.75 * up[1] - 0.5 * forward[1],
    -0.45 * right[2] + 0.75 * up[2] - 0.5 * forward[2],
  ]);
  return { eye, forward, right, up, light, near: distance - radius * 1.5 };
}

/** Renders the batches as seen from a front three-quarter view. */
export function renderPreview(batches: readonly DrawBatch[], options: RenderOptions): RenderResult {
  const { width, height } = options;
  // Reading the model may have used the whole budget already.
  if (options.shouldStop?.()) return { ok: false, reason: 'stopped' };
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    const t = y / Math.max(1, height - 1);
    for (let x = 0; x < width; x += 1) {
      const offset = (y * width + x) * 4;
      for (let c = 0; c < 3; c += 1)
        pixels[offset + c] = Math.round(BACKGROUND_TOP[c]! * (1 - t) + BACKGROUND_BOTTOM[c]! * t);
      pixels[offset + 3] = 255;
    }
  }
  const camera = cameraFor(batches, options.azimuth ?? 35, options.elevation ?? 22);
  if (!camera) return { ok: true, image: { width, height, data: pixels }, drawnPixels: 0 };
  const { eye, forward, right, up, light } = camera;
  const near = Math.max(1e-4, camera.near);
  // 1/depth per pixel: larger is closer; 0 is the background.
  const depth = new Float32Array(width * height);
  const focal = 1 / Math.tan(FIELD_OF_VIEW / 2);
  const half = Math.min(width, height) / 2;
  let drawnTriangles = 0;
  let drawnPixels = 0;

  for (const batch of batches) {
    const vertexCount = batch.positions.length / 3;
    // Every vertex projected once: screen x, y and 1/depth.
    const screen = new Float32Array(vertexCount * 3);
    for (let v = 0; v < vertexCount; v += 1) {
      const px = batch.positions[v * 3]! - eye[0];
      const py = batch.positions[v * 3 + 1]! - eye[1];
      const pz = batch.positions[v * 3 + 2]! - eye[2];
      const z = px * forward[0] + py * forward[1] + pz * forward[2];
      const x = px * right[0] + py * right[1] + pz * right[2];
      const y = px * up[0] + py * up[1] + pz * up[2];
      screen[v * 3] = width / 2 + ((x * focal) / z) * half;
      screen[v * 3 + 1] = height / 2 - ((y * focal) / z) * half;
      screen[v * 3 + 2] = z > near ? 1 / z : -1;
    }
    const { indices, normals, uvs, texture, color } = batch;
    // Locals and a plain Uint8Array view (sharp hands out Buffers): the per-pixel lookups stay monomorphic.
    const texels = texture
      ? new Uint8Array(texture.data.buffer, texture.data.byteOffset, texture.data.length)
      : undefined;
    const texWidth = texture?.width ?? 0;
    const texHeight = texture?.height ?? 0;
    for (let t = 0; t + 2 < indices.length; t += 3) {
      if (++drawnTriangles % STOP_CHECK_EVERY === 0 && options.shouldStop?.())
        return { ok: false, reason: 'stopped' };
      const a = indices[t]!;
      const b = indices[t + 1]!;
      const c = indices[t + 2]!;
      const az = screen[a * 3 + 2]!;
      const bz = screen[b * 3 + 2]!;
      const cz = screen[c * 3 + 2]!;
      if (az <= 0 || bz <= 0 || cz <= 0) continue; // behind the camera (never for a framed model)
      const ax = screen[a * 3]!;
      const ay = screen[a * 3 + 1]!;
      const bx = screen[b * 3]!;
      const by = screen[b * 3 + 1]!;
      const cx = screen[c * 3]!;
      const cy = screen[c * 3 + 1]!;
      const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
      if (area === 0) continue;
      const minX = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
      const maxX = Math.min(width - 1, Math.ceil(Math.max(ax, bx, cx)));
      const minY = Math.max(0, Math.floor(Math.min(ay, by, cy)));
      const maxY = Math.min(height - 1, Math.ceil(Math.max(ay, by, cy)));
      if (minX > maxX || minY > maxY) continue;
      // Face normal for flat shading, turned towards the camera (glTF models are often double-sided).
      const pa: Vec3 = [batch.positions[a * 3]!, batch.positions[a * 3 + 1]!, batch.positions[a * 3 + 2]!];
      const pb: Vec3 = [batch.positions[b * 3]!, batch.positions[b * 3 + 1]!, batch.positions[b * 3 + 2]!];
      const pc: Vec3 = [batch.positions[c * 3]!, batch.positions[c * 3 + 1]!, batch.positions[c * 3 + 2]!];
      let face = normalize(cross(sub(pb, pa), sub(pc, pa)));
      if (dot(face, sub(pa, eye)) > 0) face = [-face[0], -face[1], -face[2]];
      const flat = Math.max(0, dot(face, light));
      for (let y = minY; y <= maxY; y += 1) {
        const py = y + 0.5;
        for (let x = minX; x <= maxX; x += 1) {
          const px = x + 0.5;
          const w0 = ((bx - px) * (cy - py) - (by - py) * (cx - px)) / area;
          const w1 = ((cx - px) * (ay - py) - (cy - py) * (ax - px)) / area;
          const w2 = 1 - w0 - w1;
          if (w0 < 0 || w1 < 0 || w2 < 0) continue;
          const invZ = w0 * az + w1 * bz + w2 * cz;
          const index = y * width + x;
          if (invZ <= depth[index]!) continue;
          depth[index] = invZ;
          // Perspective-correct weights for what varies over the triangle (normals, texture coordinates).
          const p0 = (w0 * az) / invZ;
          const p1 = (w1 * bz) / invZ;
          const p2 = (w2 * cz) / invZ;
          let diffuse = flat;
          if (normals) {
            // Scalars, not arrays: this runs once per covered pixel.
            const nx = p0 * normals[a * 3]! + p1 * normals[b * 3]! + p2 * normals[c * 3]!;
            const ny = p0 * normals[a * 3 + 1]! + p1 * normals[b * 3 + 1]! + p2 * normals[c * 3 + 1]!;
            const nz = p0 * normals[a * 3 + 2]! + p1 * normals[b * 3 + 2]! + p2 * normals[c * 3 + 2]!;
            const toward = nx * face[0] + ny * face[1] + nz * face[2] < 0 ? -1 : 1;
            const length = Math.hypot(nx, ny, nz) || 1;
            diffuse = Math.max(0, (toward * (nx * light[0] + ny * light[1] + nz * light[2])) / length);
          }
          let r = color[0];
          let g = color[1];
          let bl = color[2];
          if (texels && uvs) {
            const u = p0 * uvs[a * 2]! + p1 * uvs[b * 2]! + p2 * uvs[c * 2]!;
            const v = p0 * uvs[a * 2 + 1]! + p1 * uvs[b * 2 + 1]! + p2 * uvs[c * 2 + 1]!;
            const tx = Math.min(texWidth - 1, Math.floor((u - Math.floor(u)) * texWidth));
            const ty = Math.min(texHeight - 1, Math.floor((v - Math.floor(v)) * texHeight));
            const texel = (ty * texWidth + tx) * 4;
            r *= texels[texel]! / 255;
            g *= texels[texel + 1]! / 255;
            bl *= texels[texel + 2]! / 255;
          }
          const shade = 0.32 + 0.68 * diffuse;
          const out = index * 4;
          pixels[out] = Math.min(255, Math.round(r * shade * 255));
          pixels[out + 1] = Math.min(255, Math.round(g * shade * 255));
          pixels[out + 2] = Math.min(255, Math.round(bl * shade * 255));
          drawnPixels += 1;
        }
      }
    }
  }
  return { ok: true, image: { width, height, data: pixels }, drawnPixels };
}
