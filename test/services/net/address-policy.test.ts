import { describe, expect, it } from 'vitest';
import {
  type AddressClass,
  classifyAddress,
  describeRefusal,
  judgeUrl,
  trustedLoopbackOrigin,
} from '../../../src/services/net/address-policy.js';
import { declaredLength, readAtMost } from '../../../src/services/net/bounded-body.js';
import { refusalFor } from '../../../src/services/net/safe-fetch.js';

describe('classifyAddress', () => {
  it.each<[string, AddressClass | undefined]>([
    // IPv4, each range and its edges
    ['0.0.0.0', 'unspecified'],
    ['0.255.255.255', 'unspecified'],
    ['1.1.1.1', 'public'],
    ['9.255.255.255', 'public'],
    ['10.0.0.0', 'private'],
    ['10.255.255.255', 'private'],
    ['11.0.0.0', 'public'],
    ['100.63.255.255', 'public'],
    ['100.64.0.0', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.0', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.0.1', 'link_local'],
    ['169.254.169.254', 'link_local'],
    ['172.15.255.255', 'public'],
    ['172.16.0.0', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', 'public'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['192.167.255.255', 'public'],
    ['192.168.0.1', 'private'],
    ['192.168.255.255', 'private'],
    ['192.169.0.0', 'public'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf:ffff::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // Teredo
    ['100::1', 'reserved'],
    ['[::1]', 'loopback'], // as a URL writes it
    // IPv6 forms that carry an IPv4 address: judged by the IPv4 address
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'], // IPv4-compatible
    ['::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link_local'], // NAT64
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
    ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
    ['2002:808:808::1', 'public'],
    // not addresses
    ['localhost', undefined],
    ['example.com', undefined],
    ['2130706433', undefined], // a URL parser turns this into 127.0.0.1; as text it is no address
    ['', undefined],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('judgeUrl', () => {
  const refused = (reason: string, extra: Record<string, unknown> = {}) => ({
    ok: false,
    refusal: { reason, ...extra },
  });

  it.each<[string, ReturnType<typeof refused> | 'ok']>([
    ['https://cdn.cloud.scenario.com/assets/a.png?Expires=1&Signature=x', 'ok'],
    ['https://8.8.8.8/file', 'ok'],
    ['https://[2606:4700::1111]/file', 'ok'],
    ['https://localhost/x', 'ok'], // a name: judged on its DNS answer, not here
    ['http://cdn.cloud.scenario.com/a.png', refused('scheme', { scheme: 'http:' })],
    ['data:text/plain,secret', refused('scheme', { scheme: 'data:' })],
    ['file:///etc/passwd', refused('scheme', { scheme: 'file:' })],
    ['ftp://example.com/a', refused('scheme', { scheme: 'ftp:' })],
    ['http://169.254.169.254/latest/meta-data/', refused('scheme', { scheme: 'http:' })],
    ['http://2130706433/', refused('scheme', { scheme: 'http:' })],
    ['https://user:pass@example.com/', refused('credentials')],
    ['not a url', refused('not_a_url')],
    // numeric hosts, in the forms the WHATWG parser normalises
    ['https://127.0.0.1/', refused('address', { host: '127.0.0.1', class: 'loopback' })],
    ['https://2130706433/', refused('address', { host: '127.0.0.1', class: 'loopback' })], // decimal
    ['https://017700000001/', refused('address', { host: '127.0.0.1', class: 'loopback' })], // octal
    ['https://0x7f000001/', refused('address', { host: '127.0.0.1', class: 'loopback' })], // hex
    ['https://0x7f.1/', refused('address', { host: '127.0.0.1', class: 'loopback' })],
    ['https://0177.0.0.1/', refused('address', { host: '127.0.0.1', class: 'loopback' })],
    ['https://127.1/', refused('address', { host: '127.0.0.1', class: 'loopback' })],
    ['https://0/', refused('address', { host: '0.0.0.0', class: 'unspecified' })],
    ['https://2852039166/', refused('address', { host: '169.254.169.254', class: 'link_local' })],
    ['https://169.254.169.254/latest/meta-data/', refused('address', { class: 'link_local' })],
    ['https://10.1.2.3/', refused('address', { class: 'private' })],
    ['https://100.64.1.1/', refused('address', { class: 'shared' })],
    ['https://[::1]/', refused('address', { host: '[::1]', class: 'loopback' })],
    ['https://[::]/', refused('address', { class: 'unspecified' })],
    ['https://[::ffff:127.0.0.1]/', refused('address', { host: '[::ffff:7f00:1]', class: 'loopback' })],
    ['https://[::ffff:7f00:1]/', refused('address', { class: 'loopback' })],
    ['https://[::ffff:169.254.169.254]/', refused('address', { class: 'link_local' })],
    ['https://[fd00::1]/', refused('address', { class: 'private' })],
    ['https://[fe80::1]/', refused('address', { class: 'link_local' })],
  ])('%s', (url, expected) => {
    const judged = judgeUrl(url, undefined);
    if (expected === 'ok') expect(judged).toMatchObject({ ok: true, trusted: false });
    else expect(judged).toMatchObject(expected);
  });

  it('lets the trusted origin through, and only that origin', () => {
    const origin = 'http://127.0.0.1:4000';
    expect(judgeUrl('http://127.0.0.1:4000/files/a?Expires=1', origin)).toMatchObject({
      ok: true,
      trusted: true,
    });
    expect(judgeUrl('http://127.0.0.1:4001/secret', origin)).toMatchObject(refused('scheme'));
    expect(judgeUrl('https://127.0.0.1:4000/x', origin)).toMatchObject(refused('address'));
    expect(judgeUrl('http://localhost:4000/x', origin)).toMatchObject(refused('scheme'));
  });
});

describe('trustedLoopbackOrigin', () => {
  it.each([
    ['http://127.0.0.1:4000/v1', 'http://127.0.0.1:4000'],
    ['http://localhost:8080/v1', 'http://localhost:8080'],
    ['http://[::1]:9000/v1', 'http://[::1]:9000'],
    ['http://127.0.0.2/v1', 'http://127.0.0.2'],
    ['https://api.cloud.scenario.com/v1', undefined],
    ['http://10.0.0.5:4000/v1', undefined],
    ['http://2130706433:4000/v1', 'http://127.0.0.1:4000'],
    ['not a url', undefined],
  ])('%s → %s', (apiUrl, expected) => {
    expect(trustedLoopbackOrigin(apiUrl)).toBe(expected);
  });
});

describe('refusalFor (every address DNS gives must be public)', () => {
  const v4 = (address: string) => ({ address, family: 4 });
  const v6 = (address: string) => ({ address, family: 6 });
  it.each([
    ['one public address', [v4('93.184.216.34')], undefined],
    ['public IPv4 and IPv6', [v4('93.184.216.34'), v6('2606:2800:220:1::1')], undefined],
    ['no address', [], { reason: 'unresolved' }],
    ['loopback', [v4('127.0.0.1')], { reason: 'address', address: '127.0.0.1', class: 'loopback' }],
    [
      'one public, one private',
      [v4('93.184.216.34'), v4('10.0.0.7')],
      { reason: 'address', address: '10.0.0.7', class: 'private' },
    ],
    [
      'a public IPv4 beside an IPv6 loopback',
      [v4('93.184.216.34'), v6('::1')],
      { reason: 'address', address: '::1', class: 'loopback' },
    ],
    ['IPv4-mapped metadata', [v6('::ffff:169.254.169.254')], { reason: 'address', class: 'link_local' }],
  ])('%s', (_label, addresses, expected) => {
    const refusal = refusalFor('cdn.example.test', addresses);
    if (expected === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toMatchObject({ host: 'cdn.example.test', ...expected });
  });

  it('says which host and why, never the path or query', () => {
    const refusal = refusalFor('cdn.example.test', [v4('169.254.169.254')]);
    expect(refusal && describeRefusal(refusal)).toBe(
      'cdn.example.test resolves to 169.254.169.254, a link-local address',
    );
  });
});

describe('readAtMost', () => {
  async function* chunks(sizes: number[], seen: { read: number; closed: boolean }) {
    try {
      for (const size of sizes) {
        seen.read += size;
        yield new Uint8Array(size);
      }
    } finally {
      seen.closed = true;
    }
  }

  it.each([
    ['under the cap', [10, 10], 25, undefined, { ok: true }],
    ['exactly the cap', [10, 15], 25, undefined, { ok: true }],
    ['over the cap while streaming', [10, 10, 10, 10], 25, undefined, { ok: false }],
    ['declared over the cap', [10], 25, 1_000, { ok: false, declared: 1_000 }],
  ])('%s', async (_label, sizes, cap, declared, expected) => {
    const seen = { read: 0, closed: false };
    const result = await readAtMost(chunks(sizes, seen), cap, declared);
    expect(result).toMatchObject(expected);
    if (result.ok) expect(result.bytes.length).toBe(sizes.reduce((a, b) => a + b, 0));
    // It stops reading as soon as it knows, and closes the stream.
    expect(seen.read).toBeLessThanOrEqual(cap + 10);
    if (!result.ok) expect(seen.closed || seen.read === 0).toBe(true);
  });

  it.each([
    ['123', 123],
    [['45'], 45],
    [null, undefined],
    [undefined, undefined],
    ['-1', undefined],
    ['1e3x', undefined],
  ])('declaredLength(%j) is %j', (header, expected) => {
    expect(declaredLength(header)).toBe(expected);
  });
});
