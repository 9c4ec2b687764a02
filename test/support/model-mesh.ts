import { Document, NodeIO } from '@gltf-transform/core';
import sharp from 'sharp';

/**
 * A real, textured 3D model as a GLB, built with glTF-Transform: a torus knot (a shape whose preview is easy
 * to judge by eye: any wrong projection, depth order or texture mapping shows at once) with a striped
 * rainbow base-colour texture, normals and UVs. `tubular × radial × 2` triangles.
 */
export async function makeModelGlb(
  options: {
    tubular?: number;
    radial?: number;
    textureSide?: number;
    /** Random noise instead of stripes: a texture that does not compress (a heavy file, for benchmarks). */
    noiseTexture?: boolean;
  } = {},
): Promise<Buffer> {
  const tubular = options.tubular ?? 128;
  const radial = options.radial ?? 16;
  const positions: number[] = [];
  const normals: number[] = [];
  const uvs: number[] = [];
  const indices: number[] = [];
  const curve = (u: number): [number, number, number] => {
    const qu = (3 / 2) * u;
    return [
      (2 + Math.cos(qu)) * 0.5 * Math.cos(u),
      (2 + Math.cos(qu)) * 0.5 * Math.sin(u),
      Math.sin(qu) * 0.5,
    ];
  };
  const tube = 0.28;
  for (let i = 0; i <= tubular; i += 1) {
    const u = (i / tubular) * 2 * Math.PI * 2;
    const p1 = curve(u);
    const p2 = curve(u + 0.01);
    const t = normalize(sub(p2, p1));
    const n0 = normalize([p2[0] + p1[0], p2[1] + p1[1], p2[2] + p1[2]]);
    const b = normalize(cross(t, n0));
    const n = cross(b, t);
    for (let j = 0; j <= radial; j += 1) {
      const v = (j / radial) * 2 * Math.PI;
      const cx = -tube * Math.cos(v);
      const cy = tube * Math.sin(v);
      const normal = normalize([cx * n[0] + cy * b[0], cx * n[1] + cy * b[1], cx * n[2] + cy * b[2]]);
      positions.push(
        p1[0] + cx * n[0] + cy * b[0],
        p1[1] + cx * n[1] + cy * b[1],
        p1[2] + cx * n[2] + cy * b[2],
      );
      normals.push(...normal);
      uvs.push(i / tubular, j / radial);
    }
  }
  for (let i = 0; i < tubular; i += 1)
    for (let j = 0; j < radial; j += 1) {
      const a = i * (radial + 1) + j;
      const b = (i + 1) * (radial + 1) + j;
      indices.push(a, b, a + 1, b, b + 1, a + 1);
    }

  const document = new Document();
  const buffer = document.createBuffer();
  const accessor = (type: 'VEC3' | 'VEC2' | 'SCALAR', array: Float32Array | Uint32Array) =>
    document.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  const texture = document
    .createTexture('stripes')
    .setMimeType('image/png')
    .setImage(await texturePng(options.textureSide ?? 256, options.noiseTexture ?? false));
  const material = document
    .createMaterial('painted')
    .setBaseColorTexture(texture)
    .setRoughnessFactor(0.8)
    .setMetallicFactor(0);
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', new Float32Array(positions)))
    .setAttribute('NORMAL', accessor('VEC3', new Float32Array(normals)))
    .setAttribute('TEXCOORD_0', accessor('VEC2', new Float32Array(uvs)))
    .setIndices(accessor('SCALAR', new Uint32Array(indices)))
    .setMaterial(material);
  const mesh = document.createMesh('knot').addPrimitive(primitive);
  const node = document.createNode('knot').setMesh(mesh);
  document.createScene('scene').addChild(node);
  document.getRoot().setDefaultScene(document.getRoot().listScenes()[0] ?? null);
  return Buffer.from(await new NodeIO().writeBinary(document));
}

/** Rainbow bands along the knot, with darker rings around the tube (with noise on top if asked). */
async function texturePng(side: number, noise: boolean): Promise<Uint8Array> {
  const pixels = Buffer.alloc(side * side * 3);
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 16) / 65536;
  };
  for (let y = 0; y < side; y += 1)
    for (let x = 0; x < side; x += 1) {
      const hue = (x / side) * 6;
      const ring = Math.floor((y / side) * 8) % 2 === 0 ? 1 : 0.7;
      const grain = noise ? 0.6 + 0.4 * random() : 1;
      const [r, g, b] = hueToRgb(hue);
      pixels.set([r * ring * grain, g * ring * grain, b * ring * grain].map(Math.round), (y * side + x) * 3);
    }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
}

function hueToRgb(hue: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + hue) % 6;
    return 255 * (1 - Math.max(0, Math.min(k, 4 - k, 1)) * 0.85);
  };
  return [f(5), f(3), f(1)];
}

type Vec3 = [number, number, number];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const normalize = (a: Vec3): Vec3 => {
  const length = Math.hypot(...a) || 1;
  return [a[0] / length, a[1] / length, a[2] / length];
};
