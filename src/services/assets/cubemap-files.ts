import { Zip, ZipPassThrough } from 'fflate';
import type Sharp from 'sharp';
import { CROSS_CELLS, FACES, type Face, MAX_FACE_SIZE, panoramaToFaces, type RgbaImage } from './cubemap.js';
import { loadSharp } from './load-sharp.js';

/**
 * Largest panorama decoded: 64 megapixels (an 11585×5792 image) is 256 MB of RGBA. Scenario's skyboxes are
 * far smaller; the cap keeps a hostile or broken file from taking the process's memory.
 */
export const MAX_PANORAMA_PIXELS = 64 * 1024 * 1024;

/** Widest panorama remapped: the width whose faces are 2048, the largest face made. */
const MAX_SOURCE_WIDTH = 4 * MAX_FACE_SIZE;

/**
 * A panorama's cubemap as files: `whole`, a zip of `front.png` … `down.png` and `cross.png`; and the same in
 * two parts for a server whose upload limit the whole zip exceeds: `faces`, a zip of the six faces, and
 * `cross`, the cross as a PNG.
 */
export type CubemapFiles =
  | { ok: true; whole: Uint8Array; faces: Uint8Array; cross: Uint8Array }
  | { ok: false; reason: 'unreadable' };

/**
 * A panorama's bytes (PNG, JPEG, WebP…) as cube faces. Decoding, resizing and encoding run in sharp's own
 * threads; the remap yields to the event loop between slices. A file sharp cannot read is `unreadable`, not
 * an exception.
 */
export async function cubemapFilesOf(bytes: Uint8Array): Promise<CubemapFiles> {
  const sharp = await loadSharp();
  let panorama: RgbaImage;
  try {
    panorama = await decodePanorama(sharp, bytes);
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  const faces = await panoramaToFaces(panorama);
  const entries: Array<[string, Uint8Array]> = [];
  for (const face of FACES) entries.push([`${face}.png`, await encodePng(sharp, faces[face])]);
  const cross = await encodeCross(sharp, faces);
  return {
    ok: true,
    whole: await storedZip([...entries, ['cross.png', cross]]),
    faces: await storedZip(entries),
    cross,
  };
}

/** Bytes checksummed between two yields while zipping: a few milliseconds of work. */
const ZIP_CHUNK_BYTES = 1024 * 1024;

/**
 * A zip of files stored as they are (PNGs are already deflated). The checksum of 2048² faces and their
 * 8192×6144 cross is tens of megabytes of work, so it is fed in chunks with a yield to the event loop
 * between them.
 */
async function storedZip(entries: Array<[string, Uint8Array]>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, data) => {
    if (error) failure = error;
    else parts.push(data);
  });
  for (const [name, bytes] of entries) {
    const file = new ZipPassThrough(name);
    zip.add(file);
    let at = 0;
    do {
      const end = Math.min(bytes.length, at + ZIP_CHUNK_BYTES);
      file.push(bytes.subarray(at, end), end === bytes.length);
      at = end;
      await new Promise<void>((resolve) => setImmediate(resolve));
    } while (at < bytes.length);
  }
  zip.end();
  if (failure) throw failure;
  return Buffer.concat(parts);
}

/**
 * RGBA pixels of a panorama. Wider than 8192 (faces of 2048) it is first reduced with sharp's area filter,
 * so each face pixel averages the source pixels it covers instead of skipping most of them.
 */
async function decodePanorama(sharp: typeof Sharp, bytes: Uint8Array): Promise<RgbaImage> {
  const image = sharp(bytes, { limitInputPixels: MAX_PANORAMA_PIXELS, failOn: 'error' });
  const { width = 0 } = await image.metadata();
  const resized = width > MAX_SOURCE_WIDTH ? image.resize({ width: MAX_SOURCE_WIDTH }) : image;
  const { data, info } = await resized.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * The horizontal cross, 4n × 3n, its empty cells transparent, laid out and encoded by sharp in its own
 * threads (for 2048² faces it is 8192×6144: 200 MB of RGBA the event loop never touches).
 */
function encodeCross(sharp: typeof Sharp, faces: Record<Face, RgbaImage>): Promise<Buffer> {
  const n = faces.front.width;
  return sharp({
    create: { width: 4 * n, height: 3 * n, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  })
    .composite(
      FACES.map((face) => ({
        input: Buffer.from(faces[face].data.buffer, faces[face].data.byteOffset, faces[face].data.byteLength),
        raw: { width: n, height: n, channels: 4 as const },
        left: CROSS_CELLS[face].column * n,
        top: CROSS_CELLS[face].row * n,
      })),
    )
    .png()
    .toBuffer();
}

function encodePng(sharp: typeof Sharp, image: RgbaImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png()
    .toBuffer();
}
