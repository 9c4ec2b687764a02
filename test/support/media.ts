import { deflateSync } from 'node:zlib';

/** Test media: real, valid files built from scratch (no image library needed). */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

export interface PngOptions {
  width: number;
  height: number;
  alpha?: boolean;
  color?: [number, number, number];
  /** Pad with a valid ancillary chunk up to this many bytes (oversize tests). */
  padToBytes?: number;
}

export function makePng(options: PngOptions): Buffer {
  const { width, height } = options;
  const channels = options.alpha ? 4 : 3;
  const [r, g, b] = options.color ?? [40, 90, 200];
  const row = Buffer.alloc(1 + width * channels);
  for (let x = 0; x < width; x += 1) {
    const offset = 1 + x * channels;
    row[offset] = r;
    row[offset + 1] = (g + x) & 0xff;
    row[offset + 2] = b;
    if (options.alpha) row[offset + 3] = x % 2 === 0 ? 255 : 0;
  }
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return encodePng(width, height, options.alpha ? 6 : 2, raw, options.padToBytes);
}

/** A PNG of filtered rows (`raw`: each row a filter byte, then its pixels), RGB (2) or RGBA (6). */
function encodePng(
  width: number,
  height: number,
  colourType: 2 | 6,
  raw: Buffer,
  padToBytes?: number,
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colourType;
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
  ];
  const end = chunk('IEND', Buffer.alloc(0));
  const size = parts.reduce((sum, part) => sum + part.length, 0) + end.length;
  if (padToBytes && padToBytes > size + 12) parts.push(chunk('zzPd', Buffer.alloc(padToBytes - size - 12)));
  return Buffer.concat([...parts, end]);
}

/**
 * An equirectangular sky to judge cubemaps by eye: a blue gradient to a pale horizon, a low sun at
 * φ = +30° (front-right) with a glow, a ridge of hills, and darker ground below. Any size (2:1 is usual).
 */
export function makeSkyPanoramaPng(options: { width: number; height: number; padToBytes?: number }): Buffer {
  const { width, height } = options;
  const raw = Buffer.alloc(height * (1 + width * 3));
  const sun = { phi: (30 * Math.PI) / 180, theta: (12 * Math.PI) / 180 };
  const sunDir = [
    Math.cos(sun.theta) * Math.sin(sun.phi),
    Math.sin(sun.theta),
    Math.cos(sun.theta) * Math.cos(sun.phi),
  ];
  const mix = (a: number[], b: number[], t: number) => a.map((value, c) => value + ((b[c] ?? 0) - value) * t);
  for (let y = 0; y < height; y += 1) {
    const theta = (0.5 - (y + 0.5) / height) * Math.PI;
    for (let x = 0; x < width; x += 1) {
      const phi = ((x + 0.5) / width - 0.5) * 2 * Math.PI;
      const ridge = 0.05 + 0.035 * Math.sin(phi * 3) + 0.02 * Math.sin(phi * 7 + 1);
      let colour: number[];
      if (theta > ridge) {
        const t = Math.min(1, theta / (Math.PI / 2)) ** 0.6;
        colour = mix([250, 214, 165], [28, 72, 160], t);
        const d = [Math.cos(theta) * Math.sin(phi), Math.sin(theta), Math.cos(theta) * Math.cos(phi)];
        const cosAngle = d.reduce((sum, value, c) => sum + value * (sunDir[c] ?? 0), 0);
        const glow = Math.max(0, cosAngle) ** 40;
        colour = cosAngle > 0.9985 ? [255, 250, 225] : mix(colour, [255, 236, 180], glow * 0.8);
      } else if (theta > 0) {
        colour = mix([70, 88, 96], [48, 64, 72], (ridge - theta) / ridge);
      } else {
        colour = mix([82, 102, 60], [40, 52, 30], Math.min(1, -theta / (Math.PI / 2)) ** 0.5);
      }
      const offset = y * (1 + width * 3) + 1 + x * 3;
      for (let c = 0; c < 3; c += 1) raw[offset + c] = Math.round(colour[c] ?? 0);
    }
  }
  return encodePng(width, height, 2, raw, options.padToBytes);
}

/**
 * A decompression bomb: a structurally valid PNG (signature, IHDR, IDAT, IEND, correct CRCs) of a few KB
 * whose IHDR claims `width`×`height` RGBA pixels and whose IDAT inflates to `inflatedBytes` of zeros
 * (deflate reaches about 1000:1 on zeros, so 8 MiB inflated is about 8 KB on disk). A decoder that trusts
 * the header allocates width × height × 4 bytes (3.6 GB for 30000×30000) before reading any pixel.
 */
export function makePngBomb(options: { width: number; height: number; inflatedBytes?: number }): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(options.width, 0);
  ihdr.writeUInt32BE(options.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(options.inflatedBytes ?? 8 * 1024 * 1024), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A valid glTF 2.0 binary with one triangle (12-byte header, JSON chunk, BIN chunk, 4-byte aligned). */
export function makeGlb(options: { padToBytes?: number } = {}): Buffer {
  const positions = Buffer.alloc(36);
  for (const [index, value] of [0, 0, 0, 1, 0, 0, 0, 1, 0].entries())
    positions.writeFloatLE(value, index * 4);
  let bin: Buffer = positions;
  const baseJson = (binLength: number) =>
    JSON.stringify({
      asset: { version: '2.0', generator: 'scenario-emulator' },
      scene: 0,
      scenes: [{ nodes: [0] }],
      nodes: [{ mesh: 0 }],
      meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
      buffers: [{ byteLength: binLength }],
      bufferViews: [{ buffer: 0, byteOffset: 0, byteLength: 36 }],
      accessors: [
        { bufferView: 0, componentType: 5126, count: 3, type: 'VEC3', min: [0, 0, 0], max: [1, 1, 0] },
      ],
    });
  const pad4 = (buffer: Buffer, fill: number) =>
    buffer.length % 4 === 0 ? buffer : Buffer.concat([buffer, Buffer.alloc(4 - (buffer.length % 4), fill)]);
  let json = pad4(Buffer.from(baseJson(bin.length)), 0x20);
  const total = () => 12 + 8 + json.length + 8 + bin.length;
  if (options.padToBytes && options.padToBytes > total()) {
    bin = Buffer.concat([bin, Buffer.alloc(options.padToBytes - total())]);
    bin = pad4(bin, 0);
    json = pad4(Buffer.from(baseJson(bin.length)), 0x20);
  }
  const header = Buffer.alloc(12);
  header.write('glTF', 0, 'ascii');
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(total(), 8);
  const chunkHeader = (length: number, type: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeUInt32LE(length, 0);
    buffer.writeUInt32LE(type, 4);
    return buffer;
  };
  return Buffer.concat([
    header,
    chunkHeader(json.length, 0x4e4f534a),
    json,
    chunkHeader(bin.length, 0x004e4942),
    bin,
  ]);
}

/** Reads width/height of a PNG or a baseline/progressive JPEG; undefined for anything else. */
export function readImageSize(
  bytes: Buffer,
): { mimeType: string; width: number; height: number } | undefined {
  if (bytes.length > 24 && bytes.readUInt32BE(0) === 0x89504e47)
    return { mimeType: 'image/png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return undefined;
      const marker = bytes[offset + 1] ?? 0;
      const length = bytes.readUInt16BE(offset + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return {
          mimeType: 'image/jpeg',
          width: bytes.readUInt16BE(offset + 7),
          height: bytes.readUInt16BE(offset + 5),
        };
      }
      offset += 2 + length;
    }
    return { mimeType: 'image/jpeg', width: 0, height: 0 };
  }
  if (
    bytes.length > 12 &&
    bytes.toString('ascii', 0, 4) === 'RIFF' &&
    bytes.toString('ascii', 8, 12) === 'WEBP'
  )
    return { mimeType: 'image/webp', width: 0, height: 0 };
  if (bytes.length > 10 && bytes.toString('ascii', 0, 3) === 'GIF')
    return { mimeType: 'image/gif', width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  return undefined;
}

/** A valid PCM WAV (RIFF) of a few milliseconds of silence; `variant` changes its bytes deterministically. */
export function makeWav(variant = 0): Buffer {
  const samples = Buffer.alloc(64, variant & 0xff);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]);
}

/** A JPEG's start and frame header (SOF0) with its size: enough for every probe here, not a decodable image. */
export function makeJpegHeader(width: number, height: number): Buffer {
  const frame = Buffer.from([
    0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
  ]);
  frame.writeUInt16BE(height, 5);
  frame.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), frame, Buffer.from([0xff, 0xd9])]);
}
