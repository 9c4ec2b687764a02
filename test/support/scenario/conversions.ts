import { crc32 } from '../media.js';
import { makeModelGlb } from '../model-mesh.js';

/**
 * What the emulator's `POST /assets/{id}/download {targetFormat}` hands out for a 3D model: a small file
 * per format whose first bytes say what it is (as a real converter's would), the same for the same asset,
 * so tests can compare what the bot posted with what Scenario served.
 */
export const CONVERTED_MIME_TYPES: Record<string, string> = {
  fbx: 'application/octet-stream',
  obj: 'model/obj',
  stl: 'model/stl',
  usdz: 'model/vnd.usdz+zip',
};

/** FBX's binary magic: "Kaydara FBX Binary", two spaces, NUL, then 0x1A 0x00 and the version. */
export const FBX_MAGIC = Buffer.from('Kaydara FBX Binary  \0', 'latin1');

export function convertedModel(format: string, assetId: string): Buffer | undefined {
  if (format === 'fbx') {
    const version = Buffer.alloc(6);
    version.writeUInt8(0x1a, 0);
    version.writeUInt32LE(7400, 2);
    return Buffer.concat([FBX_MAGIC, version, Buffer.from(`emulated FBX of ${assetId}\n`.padEnd(64, '.'))]);
  }
  if (format === 'obj')
    return Buffer.from(
      `# OBJ converted by the Scenario emulator from ${assetId}\no model\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1\n`,
    );
  if (format === 'stl') {
    const header = Buffer.alloc(80, 0x20);
    header.write(`binary STL from the Scenario emulator (${assetId})`.slice(0, 80), 'ascii');
    const body = Buffer.alloc(4 + 50);
    body.writeUInt32LE(1, 0);
    [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0].forEach((value, index) => {
      body.writeFloatLE(value, 4 + index * 4);
    });
    return Buffer.concat([header, body]);
  }
  if (format === 'usdz')
    return storedZip('model.usda', Buffer.from(`#usda 1.0\n(\n  doc = "${assetId}"\n)\n`));
  return undefined;
}

/** A zip with one file stored uncompressed (what USDZ requires). */
function storedZip(name: string, data: Buffer): Buffer {
  const fileName = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

let model: Promise<Buffer> | undefined;
/** The emulator's 3D result: a textured torus knot of 4,096 triangles, built once per process. */
export function emulatedModel(): Promise<Buffer> {
  model ??= makeModelGlb();
  return model;
}

/** A file that starts like a GLB and then breaks off: what a damaged model from Scenario looks like. */
export function damagedGlb(): Buffer {
  const header = Buffer.alloc(20);
  header.write('glTF', 0, 'ascii');
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(4096, 8);
  header.writeUInt32LE(4000, 12);
  header.writeUInt32LE(0x4e4f534a, 16);
  return Buffer.concat([header, Buffer.from('{"asset":{"version":"2.0"},"meshes":[{"primitives":[{"attri')]);
}
