import { zipSync } from 'fflate';
import sharp from 'sharp';
import { crossOf, FACES, MAX_FACE_SIZE, panoramaToFaces, type RgbaImage } from './cubemap.js';

/**
 * Largest panorama decoded: 64 megapixels (an 11585×5792 image) is 256 MB of RGBA. Scenario's skyboxes are
 * far smaller; the cap keeps a hostile or broken file from taking the process's memory.
 */
export const MAX_PANORAMA_PIXELS = 64 * 1024 * 1024;

/** Widest panorama remapped: the width whose faces are 2048, the largest face made. */
const MAX_SOURCE_WIDTH = 4 * MAX_FACE_SIZE;

export type CubemapZip = { ok: true; zip: Uint8Array } | { ok: false; reason: 'unreadable' };

/**
 * A panorama's bytes (PNG, JPEG, WebP…) as a zip of `front.png` … `down.png` and `cross.png`, under
 * `folder/` when one is given. Decoding, resizing and encoding run in sharp's own threads; the remap yields
 * to the event loop between slices. A file sharp cannot read is `unreadable`, not an exception.
 */
export async function cubemapZipOf(bytes: Uint8Array, folder = ''): Promise<CubemapZip> {
  let panorama: RgbaImage;
  try {
    panorama = await decodePanorama(bytes);
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  const faces = await panoramaToFaces(panorama);
  const entries: Record<string, [Uint8Array, { level: 0 }]> = {};
  const prefix = folder ? `${folder}/` : '';
  // PNGs are already deflated: stored as they are, the zip is built in a copy.
  for (const face of FACES) entries[`${prefix}${face}.png`] = [await encodePng(faces[face]), { level: 0 }];
  entries[`${prefix}cross.png`] = [await encodePng(crossOf(faces)), { level: 0 }];
  return { ok: true, zip: zipSync(entries) };
}

/**
 * RGBA pixels of a panorama. Wider than 8192 (faces of 2048) it is first reduced with sharp's area filter,
 * so each face pixel averages the source pixels it covers instead of skipping most of them.
 */
async function decodePanorama(bytes: Uint8Array): Promise<RgbaImage> {
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

function encodePng(image: RgbaImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png()
    .toBuffer();
}
