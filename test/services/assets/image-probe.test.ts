import { describe, expect, it } from 'vitest';
import { probeImage } from '../../../src/services/assets/image-probe.js';
import { makePng } from '../../support/media.js';

// A 3×2 baseline JPEG header (SOI, APP0, SOF0) is enough for the probe.
const jpeg = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
  0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x02, 0x00, 0x03, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01,
  0x03, 0x11, 0x01, 0xff, 0xd9,
]);
const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([5, 0, 7, 0, 0, 0, 0])]);

describe('probeImage', () => {
  it.each([
    [
      'an RGB PNG',
      makePng({ width: 40, height: 20 }),
      { format: 'png', width: 40, height: 20, hasAlpha: false },
    ],
    [
      'an RGBA PNG',
      makePng({ width: 8, height: 9, alpha: true }),
      { format: 'png', width: 8, height: 9, hasAlpha: true },
    ],
    ['a JPEG', jpeg, { format: 'jpeg', width: 3, height: 2, hasAlpha: false }],
    ['a GIF', gif, { format: 'gif', width: 5, height: 7 }],
  ])('reads %s from its bytes', (_label, bytes, expected) => {
    expect(probeImage(bytes)).toMatchObject(expected);
  });

  it.each([
    ['a text file renamed .png', Buffer.from('hello, this is not an image at all, just text')],
    ['an empty file', Buffer.alloc(0)],
    ['a truncated PNG', makePng({ width: 4, height: 4 }).subarray(0, 20)],
  ])('refuses %s', (_label, bytes) => {
    expect(probeImage(bytes)).toBeUndefined();
  });
});
