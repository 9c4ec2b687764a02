import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document, NodeIO } from '@gltf-transform/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsOf, looksLikeGlb, readModel } from '../../../src/services/models3d/model-document.js';
import { ModelInspector } from '../../../src/services/models3d/model-inspector.js';
import { makeGlb } from '../../support/media.js';
import { makeModelGlb } from '../../support/model-mesh.js';

/** A document with one primitive of `count` vertices drawn in `mode`, to count triangles by mode. */
async function primitiveGlb(mode: number, count: number, indexed: boolean): Promise<Uint8Array> {
  const document = new Document();
  const buffer = document.createBuffer();
  const positions = document
    .createAccessor()
    .setType('VEC3')
    .setArray(new Float32Array(Array.from({ length: count * 3 }, (_, i) => (i * 7) % 5)))
    .setBuffer(buffer);
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', positions)
    .setMode(mode as 4);
  if (indexed)
    primitive.setIndices(
      document
        .createAccessor()
        .setType('SCALAR')
        .setArray(new Uint32Array(Array.from({ length: count }, (_, i) => i)))
        .setBuffer(buffer),
    );
  document
    .createScene()
    .addChild(document.createNode().setMesh(document.createMesh().addPrimitive(primitive)));
  return new NodeIO().writeBinary(document);
}

describe('model facts', () => {
  let knot: Buffer;
  let folder: string;
  beforeAll(async () => {
    knot = await makeModelGlb({ tubular: 64, radial: 8 });
    folder = mkdtempSync(join(tmpdir(), 'model-facts-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('counts triangles, vertices, meshes, materials and textures, with the largest texture and the size', async () => {
    const read = await readModel(knot);
    if (!read.ok) throw new Error(read.problem);
    const facts = factsOf(read.model, knot.byteLength);
    expect(facts).toMatchObject({
      triangles: 64 * 8 * 2,
      vertices: 65 * 9,
      meshes: 1,
      materials: 1,
      textures: 1,
      largestTexture: { width: 256, height: 256 },
      bytes: knot.byteLength,
    });
    // The knot spans about 3.2 × 3.4 × 1.6 units (radius 1.5 curve, 0.28 tube).
    const [x = 0, y = 0, z = 0] = facts.size ?? [];
    expect(x).toBeCloseTo(3.2, 0);
    expect(y).toBeCloseTo(3.3, 0);
    expect(z).toBeCloseTo(1.6, 0);
  });

  it.each([
    ['a triangle list', 4, 9, 3],
    ['a triangle strip', 5, 9, 7],
    ['a triangle fan', 6, 9, 7],
    ['lines', 1, 10, 0],
  ])('counts %s', async (_, mode, count, triangles) => {
    for (const indexed of [true, false]) {
      const read = await readModel(await primitiveGlb(mode, count, indexed));
      if (!read.ok) throw new Error(read.problem);
      expect(factsOf(read.model, 0).triangles).toBe(triangles);
    }
  });

  it.each([
    ['bytes that are not a GLB', Buffer.from('<html>Not Found</html>'.padEnd(64, ' '))],
    ['a GLB cut short', makeGlb().subarray(0, 30)],
    [
      'a GLB whose JSON is broken',
      Buffer.concat([makeGlb().subarray(0, 20), Buffer.from('{"asset": {"ver')]),
    ],
  ])('refuses %s as unreadable', async (_, bytes) => {
    expect(looksLikeGlb(bytes)).toBe(false);
    expect(await readModel(bytes)).toEqual({ ok: false, problem: 'unreadable' });
  });

  it('calls a valid GLB that needs a decoder the bot lacks unsupported, not corrupt', async () => {
    const glb = makeGlb();
    const jsonLength = glb.readUInt32LE(12);
    const json = JSON.parse(glb.subarray(20, 20 + jsonLength).toString());
    json.extensionsUsed = ['EXT_made_up_compression'];
    json.extensionsRequired = ['EXT_made_up_compression'];
    const text = Buffer.from(
      JSON.stringify(json).padEnd(Math.ceil(JSON.stringify(json).length / 4) * 4, ' '),
    );
    const bin = glb.subarray(20 + jsonLength);
    const header = Buffer.alloc(20);
    header.write('glTF', 0);
    header.writeUInt32LE(2, 4);
    header.writeUInt32LE(20 + text.length + bin.length, 8);
    header.writeUInt32LE(text.length, 12);
    header.writeUInt32LE(0x4e4f534a, 16);
    expect(await readModel(Buffer.concat([header, text, bin]))).toEqual({
      ok: false,
      problem: 'unsupported',
    });
  });

  it('reads the facts of a 60 MB GLB in a worker thread', async () => {
    const path = join(folder, 'big.glb');
    const big = makeGlb({ padToBytes: 60 * 1024 * 1024 });
    writeFileSync(path, big);
    const inspection = await new ModelInspector({ previewTimeoutMs: 5_000 }).inspect(path);
    expect(inspection).toMatchObject({ ok: true, facts: { triangles: 1, bytes: big.byteLength } });
    expect(inspection.ok && inspection.preview).toBeUndefined();
  });

  it('renders a preview that shows the textured model (many colours, not one flat tone)', async () => {
    const path = join(folder, 'knot.glb');
    writeFileSync(path, knot);
    const previewPath = join(folder, 'knot.png');
    const inspection = await new ModelInspector({ previewTimeoutMs: 5_000 }).inspect(path, { previewPath });
    expect(inspection).toMatchObject({ ok: true, preview: { ok: true, path: previewPath } });
    const { data, info } = await sharp(previewPath).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([512, 512]);
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += info.channels * 7)
      colours.add(((data[i] ?? 0) >> 4) * 256 + ((data[i + 1] ?? 0) >> 4) * 16 + ((data[i + 2] ?? 0) >> 4));
    // The background gradient alone has a handful of tones; the rainbow-striped knot brings hundreds.
    expect(colours.size).toBeGreaterThan(100);
  });

  it('skips the preview, keeping the facts, when the render is over its time budget', async () => {
    const path = join(folder, 'knot-slow.glb');
    writeFileSync(path, await makeModelGlb({ tubular: 256, radial: 16 }));
    const inspection = await new ModelInspector({ previewTimeoutMs: 0 }).inspect(path, {
      previewPath: join(folder, 'never.png'),
    });
    expect(inspection).toMatchObject({
      ok: true,
      facts: { triangles: 8192 },
      preview: { ok: false, reason: 'too_slow' },
    });
  });
});
