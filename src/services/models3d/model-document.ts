import {
  type Document,
  GLB_BUFFER,
  getBounds,
  ImageUtils,
  NodeIO,
  type Primitive,
  type Texture,
} from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import type { DrawBatch } from './rasterizer.js';

/** What a game artist wants to know about a model before downloading it. */
export interface ModelFacts {
  triangles: number;
  vertices: number;
  meshes: number;
  materials: number;
  textures: number;
  /** The largest texture's pixel size, when there is one whose header could be read. */
  largestTexture?: { width: number; height: number };
  /** Width × height × depth of the scene's bounding box, in the model's units (glTF: metres). */
  size?: [number, number, number];
  bytes: number;
}

/** Why a file gave no facts: not a glTF binary at all, or one that uses what this reader cannot decode. */
export type ModelReadProblem = 'unreadable' | 'unsupported';

const GLTF_MAGIC = 0x46546c67; // 'glTF' little-endian
const JSON_CHUNK = 0x4e4f534a;

/** Whether the bytes start like a glTF 2.0 binary with a parseable JSON chunk (the bare minimum). Pure. */
export function looksLikeGlb(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 20) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLTF_MAGIC || view.getUint32(4, true) !== 2) return false;
  const jsonLength = view.getUint32(12, true);
  if (view.getUint32(16, true) !== JSON_CHUNK || 20 + jsonLength > bytes.byteLength) return false;
  try {
    const json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 20, jsonLength).toString('utf8'));
    return typeof json === 'object' && json !== null && typeof json.asset === 'object';
  } catch {
    return false;
  }
}

/** A read model: its document, and each texture's encoded image as a view into the file's bytes. */
export interface ReadModel {
  document: Document;
  images: Map<Texture, EncodedTexture>;
}

/**
 * Reads a GLB held in memory once. glTF-Transform copies every embedded image out of the file when it
 * reads one (a 60 MB model with 50 MB of textures would sit in memory twice), so images are kept out of its
 * reach: each is replaced by an empty placeholder, and the texture keeps a view into the file's own bytes
 * instead. Sizes come from the images' headers; only the preview decodes a texture, shrunk.
 */
export async function readModel(
  bytes: Uint8Array,
): Promise<{ ok: true; model: ReadModel } | { ok: false; problem: ModelReadProblem }> {
  if (!looksLikeGlb(bytes)) return { ok: false, problem: 'unreadable' };
  try {
    const io = new NodeIO().registerExtensions(ALL_EXTENSIONS);
    const jsonDoc = await io.binaryToJSON(bytes);
    const { json, resources } = jsonDoc;
    const views: (EncodedTexture | undefined)[] = (json.images ?? []).map((image, index) => {
      const viewDef = image.bufferView === undefined ? undefined : json.bufferViews?.[image.bufferView];
      const bufferUri = viewDef ? json.buffers?.[viewDef.buffer]?.uri : undefined;
      const buffer = viewDef ? resources[bufferUri ?? GLB_BUFFER] : undefined;
      if (!viewDef || !buffer) return undefined;
      const start = viewDef.byteOffset ?? 0;
      const view = buffer.subarray(start, start + viewDef.byteLength);
      // "__" marks a resource name glTF-Transform does not keep as the image's URI.
      const uri = `__image-${index}`;
      image.bufferView = undefined;
      image.uri = uri;
      resources[uri] = new Uint8Array(0);
      return { image: view, mimeType: image.mimeType ?? ImageUtils.getMimeType(view) ?? 'image/png' };
    });
    const document = await io.readJSON(jsonDoc);
    // Textures are read in the order of the file's images.
    const images = new Map<Texture, EncodedTexture>();
    document
      .getRoot()
      .listTextures()
      .forEach((texture, index) => {
        const view = views[index];
        if (view) images.set(texture, view);
      });
    return { ok: true, model: { document, images } };
  } catch {
    // A valid container whose content this reader cannot decode (Draco or meshopt compression, say).
    return { ok: false, problem: 'unsupported' };
  }
}

const MODE = { TRIANGLES: 4, TRIANGLE_STRIP: 5, TRIANGLE_FAN: 6 } as const;

/** Triangles a primitive draws: lists, strips and fans; points and lines draw none. Pure. */
export function trianglesOf(primitive: Primitive): number {
  const count = primitive.getIndices()?.getCount() ?? primitive.getAttribute('POSITION')?.getCount() ?? 0;
  const mode = primitive.getMode();
  if (mode === MODE.TRIANGLES) return Math.floor(count / 3);
  if (mode === MODE.TRIANGLE_STRIP || mode === MODE.TRIANGLE_FAN) return Math.max(0, count - 2);
  return 0;
}

/** The facts line's numbers. Meshes are counted once however many nodes show them. */
export function factsOf({ document, images }: ReadModel, bytes: number): ModelFacts {
  const root = document.getRoot();
  let triangles = 0;
  const positions = new Set<unknown>();
  let vertices = 0;
  for (const mesh of root.listMeshes())
    for (const primitive of mesh.listPrimitives()) {
      triangles += trianglesOf(primitive);
      const position = primitive.getAttribute('POSITION');
      if (position && !positions.has(position)) {
        positions.add(position);
        vertices += position.getCount();
      }
    }
  let largestTexture: ModelFacts['largestTexture'];
  for (const texture of root.listTextures()) {
    const encoded = images.get(texture);
    const size = encoded ? ImageUtils.getSize(encoded.image, encoded.mimeType) : texture.getSize();
    if (size && (!largestTexture || size[0] * size[1] > largestTexture.width * largestTexture.height))
      largestTexture = { width: size[0], height: size[1] };
  }
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  let size: ModelFacts['size'];
  if (scene && triangles > 0) {
    const { min, max } = getBounds(scene);
    const extent: [number, number, number] = [max[0] - min[0], max[1] - min[1], max[2] - min[2]];
    if (extent.every(Number.isFinite)) size = extent;
  }
  return {
    triangles,
    vertices,
    meshes: root.listMeshes().length,
    materials: root.listMaterials().length,
    textures: root.listTextures().length,
    largestTexture,
    size,
    bytes,
  };
}

/** An encoded base-colour texture to decode for one batch. */
export interface EncodedTexture {
  image: Uint8Array;
  mimeType: string;
}

/**
 * The scene's triangles in world space, one batch per drawn primitive, each with its material's base colour
 * and (still encoded) base-colour texture. Strips and fans become lists; points and lines are skipped.
 */
export function drawBatchesOf({
  document,
  images,
}: ReadModel): { batch: DrawBatch; texture?: EncodedTexture }[] {
  const root = document.getRoot();
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  const out: { batch: DrawBatch; texture?: EncodedTexture }[] = [];
  scene?.traverse((node) => {
    const mesh = node.getMesh();
    if (!mesh) return;
    const m = node.getWorldMatrix();
    for (const primitive of mesh.listPrimitives()) {
      const position = primitive.getAttribute('POSITION');
      if (!position || trianglesOf(primitive) === 0) continue;
      const count = position.getCount();
      const positions = new Float32Array(count * 3);
      const point = [0, 0, 0];
      for (let i = 0; i < count; i += 1) {
        position.getElement(i, point);
        const [x = 0, y = 0, z = 0] = point;
        positions[i * 3] = m[0] * x + m[4] * y + m[8] * z + m[12];
        positions[i * 3 + 1] = m[1] * x + m[5] * y + m[9] * z + m[13];
        positions[i * 3 + 2] = m[2] * x + m[6] * y + m[10] * z + m[14];
      }
      const normalAccessor = primitive.getAttribute('NORMAL');
      let normals: Float32Array | undefined;
      if (normalAccessor?.getCount() === count) {
        normals = new Float32Array(count * 3);
        for (let i = 0; i < count; i += 1) {
          normalAccessor.getElement(i, point);
          const [x = 0, y = 0, z = 0] = point;
          // The upper 3×3 of the world matrix: exact for rotations and uniform scales, close enough otherwise.
          const nx = m[0] * x + m[4] * y + m[8] * z;
          const ny = m[1] * x + m[5] * y + m[9] * z;
          const nz = m[2] * x + m[6] * y + m[10] * z;
          const length = Math.hypot(nx, ny, nz) || 1;
          normals[i * 3] = nx / length;
          normals[i * 3 + 1] = ny / length;
          normals[i * 3 + 2] = nz / length;
        }
      }
      const material = primitive.getMaterial();
      const info = material?.getBaseColorTextureInfo();
      const texture = material?.getBaseColorTexture();
      const uvAccessor = primitive.getAttribute(`TEXCOORD_${info?.getTexCoord() ?? 0}`);
      const uvs = texture && uvAccessor?.getCount() === count ? new Float32Array(count * 2) : undefined;
      if (uvs && uvAccessor)
        for (let i = 0; i < count; i += 1) {
          uvAccessor.getElement(i, point);
          uvs[i * 2] = point[0] ?? 0;
          uvs[i * 2 + 1] = point[1] ?? 0;
        }
      const factor = material?.getBaseColorFactor() ?? [1, 1, 1, 1];
      const image = texture ? images.get(texture) : undefined;
      out.push({
        batch: {
          positions,
          indices: triangleList(primitive, count),
          normals,
          uvs,
          color: [factor[0] ?? 1, factor[1] ?? 1, factor[2] ?? 1, factor[3] ?? 1],
        },
        texture: image && uvs ? image : undefined,
      });
    }
  });
  return out;
}

/** A primitive's triangles as a list of vertex indices, whatever its mode. */
function triangleList(primitive: Primitive, vertexCount: number): Uint32Array {
  const indices = primitive.getIndices();
  const source = indices ? indices.getArray() : undefined;
  const count = source ? source.length : vertexCount;
  const at = (i: number) => (source ? Number(source[i]) : i);
  const mode = primitive.getMode();
  if (mode === MODE.TRIANGLES) return Uint32Array.from({ length: count - (count % 3) }, (_, i) => at(i));
  const list = new Uint32Array(Math.max(0, count - 2) * 3);
  for (let i = 0; i + 2 < count; i += 1) {
    const even = i % 2 === 0;
    const [a, b, c] =
      mode === MODE.TRIANGLE_FAN
        ? [at(0), at(i + 1), at(i + 2)]
        : even
          ? [at(i), at(i + 1), at(i + 2)]
          : [at(i + 1), at(i), at(i + 2)];
    list.set([a, b, c], i * 3);
  }
  return list;
}
