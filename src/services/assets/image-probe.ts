/** What the bytes of an image say about it (never the file name). Pure. */
export interface ImageInfo {
  format: 'png' | 'jpeg' | 'webp' | 'gif';
  mimeType: string;
  width: number;
  height: number;
  hasAlpha: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function probeImage(bytes: Uint8Array): ImageInfo | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length >= 33 && PNG_SIGNATURE.every((byte, index) => view[index] === byte)) return probePng(view);
  if (view.length >= 4 && view[0] === 0xff && view[1] === 0xd8 && view[2] === 0xff) return probeJpeg(view);
  if (
    view.length >= 30 &&
    view.toString('latin1', 0, 4) === 'RIFF' &&
    view.toString('latin1', 8, 12) === 'WEBP'
  )
    return probeWebp(view);
  if (
    view.length >= 10 &&
    (view.toString('latin1', 0, 6) === 'GIF87a' || view.toString('latin1', 0, 6) === 'GIF89a')
  ) {
    return {
      format: 'gif',
      mimeType: 'image/gif',
      width: view.readUInt16LE(6),
      height: view.readUInt16LE(8),
      hasAlpha: false,
    };
  }
  return undefined;
}

function probePng(view: Buffer): ImageInfo | undefined {
  if (view.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = view.readUInt32BE(16);
  const height = view.readUInt32BE(20);
  const colorType = view[25];
  // Colour types 4 (grey + alpha) and 6 (RGBA) carry alpha; a tRNS chunk adds it to the others.
  let hasAlpha = colorType === 4 || colorType === 6;
  let offset = 8;
  while (!hasAlpha && offset + 8 <= view.length) {
    const length = view.readUInt32BE(offset);
    const type = view.toString('latin1', offset + 4, offset + 8);
    if (type === 'tRNS') hasAlpha = true;
    if (type === 'IDAT' || type === 'IEND') break;
    offset += 12 + length;
  }
  if (width === 0 || height === 0) return undefined;
  return { format: 'png', mimeType: 'image/png', width, height, hasAlpha };
}

function probeJpeg(view: Buffer): ImageInfo | undefined {
  let offset = 2;
  while (offset + 9 < view.length) {
    if (view[offset] !== 0xff) return undefined;
    const marker = view[offset + 1] ?? 0;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      offset += 2;
      continue;
    }
    const length = view.readUInt16BE(offset + 2);
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = view.readUInt16BE(offset + 5);
      const width = view.readUInt16BE(offset + 7);
      return width > 0 && height > 0
        ? { format: 'jpeg', mimeType: 'image/jpeg', width, height, hasAlpha: false }
        : undefined;
    }
    offset += 2 + length;
  }
  return undefined;
}

function probeWebp(view: Buffer): ImageInfo | undefined {
  const chunk = view.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    return {
      format: 'webp',
      mimeType: 'image/webp',
      width: view.readUInt16LE(26) & 0x3fff,
      height: view.readUInt16LE(28) & 0x3fff,
      hasAlpha: false,
    };
  }
  if (chunk === 'VP8L') {
    const bits = view.readUInt32LE(21);
    return {
      format: 'webp',
      mimeType: 'image/webp',
      width: (bits & 0x3fff) + 1,
      height: ((bits >> 14) & 0x3fff) + 1,
      hasAlpha: ((bits >> 28) & 1) === 1,
    };
  }
  if (chunk === 'VP8X') {
    const width = 1 + view.readUIntLE(24, 3);
    const height = 1 + view.readUIntLE(27, 3);
    return {
      format: 'webp',
      mimeType: 'image/webp',
      width,
      height,
      hasAlpha: ((view[20] ?? 0) & 0x10) !== 0,
    };
  }
  return undefined;
}
