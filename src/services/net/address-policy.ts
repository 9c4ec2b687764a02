import { isIP } from 'node:net';

/**
 * What kind of address an IP is, for deciding whether the bot may connect to it on behalf of a URL it was
 * handed (a result link, a redirect, an upload part). Everything but `public` is somewhere a link from
 * outside must not lead: the host itself, the private network around it, the cloud metadata service
 * (169.254.169.254), or a range with no business serving files. Ranges from IANA's special-purpose
 * address registries (RFC 6890 and successors).
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'shared' // 100.64/10, carrier-grade NAT: the provider's own network
  | 'unspecified'
  | 'multicast'
  | 'documentation'
  | 'reserved';

/** How an IPv6 range holds an IPv4 address that is what the connection really reaches. */
type Embedded = 'low32' | '6to4';
type Rule = { prefix: bigint; bits: number; width: 32 | 128; is: Exclude<AddressClass, 'public'> | Embedded };

const IPV4_RULES: [string, Rule['is']][] = [
  ['0.0.0.0/8', 'unspecified'], // "this network": 0.0.0.0 reaches the host itself on most systems
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link_local'], // cloud metadata services live here
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // 255.255.255.255 included
];

// Checked in order: the exact addresses before the /96 ranges that contain them.
const IPV6_RULES: [string, Rule['is']][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::ffff:0:0/96', 'low32'], // IPv4-mapped: ::ffff:127.0.0.1 is 127.0.0.1
  ['::/96', 'low32'], // IPv4-compatible (deprecated), same trick
  ['64:ff9b::/96', 'low32'], // NAT64: the gateway connects to the embedded IPv4 address
  ['64:ff9b:1::/48', 'reserved'],
  ['100::/64', 'reserved'], // discard-only
  ['2001::/32', 'reserved'], // Teredo: tunnels to an IPv4 address hidden in the bits
  ['2001:db8::/32', 'documentation'],
  ['2002::/16', '6to4'], // 6to4: bits 16–47 are an IPv4 address
  ['fc00::/7', 'private'], // unique local
  ['fe80::/10', 'link_local'],
  ['fec0::/10', 'private'], // site-local (deprecated)
  ['ff00::/8', 'multicast'],
];

function compile(rules: [string, Rule['is']][], width: 32 | 128): Rule[] {
  return rules.map(([cidr, is]) => {
    const [address = '', bits = '0'] = cidr.split('/');
    const value = width === 32 ? BigInt(ipv4ToNumber(address)) : ipv6ToBigInt(address);
    return { prefix: value, bits: Number(bits), width, is };
  });
}

const V4 = compile(IPV4_RULES, 32);
const V6 = compile(IPV6_RULES, 128);

const inRange = (value: bigint, rule: Rule) => {
  const shift = BigInt(rule.width - rule.bits);
  return value >> shift === rule.prefix >> shift;
};

/** The class of an IPv4 or IPv6 address in text form; `undefined` when it is not an address. Pure. */
export function classifyAddress(address: string): AddressClass | undefined {
  const text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''); // URL brackets, IPv6 zone id
  const family = isIP(text);
  if (family === 4) return classifyIPv4(ipv4ToNumber(text));
  if (family !== 6) return undefined;
  const value = ipv6ToBigInt(text);
  const rule = V6.find((candidate) => inRange(value, candidate));
  if (!rule) return 'public';
  if (rule.is === 'low32') return classifyIPv4(Number(value & 0xffffffffn));
  if (rule.is === '6to4') return classifyIPv4(Number((value >> 80n) & 0xffffffffn));
  return rule.is;
}

function classifyIPv4(value: number): AddressClass {
  const rule = V4.find((candidate) => inRange(BigInt(value), candidate));
  return rule ? (rule.is as AddressClass) : 'public';
}

/** A dotted quad (as `isIP` accepts it) as an unsigned 32-bit number. */
function ipv4ToNumber(text: string): number {
  return text.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

/** An IPv6 address (`::` compression and a trailing dotted quad allowed) as a 128-bit number. */
function ipv6ToBigInt(text: string): bigint {
  let groups = text;
  const tail = groups.slice(groups.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToNumber(tail);
    groups = `${groups.slice(0, groups.length - tail.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [left = '', right] = groups.split('::');
  const head = left ? left.split(':') : [];
  const rest = right ? right.split(':') : [];
  const all =
    right === undefined
      ? head
      : [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  return all.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

/**
 * Which origin, if any, is exempt from the rules: the Scenario API's own, when it runs on this machine
 * (the tests' and the demo's emulator on http://127.0.0.1:port, which also serves the files it links).
 * Only that exact origin: another port on loopback is another service. Pure.
 */
export function trustedLoopbackOrigin(apiUrl: string): string | undefined {
  try {
    const url = new URL(apiUrl);
    const loopback = url.hostname === 'localhost' || classifyAddress(url.hostname) === 'loopback';
    return loopback && (url.protocol === 'http:' || url.protocol === 'https:') ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Why a URL is not fetched. */
export type UrlRefusal =
  | { reason: 'not_a_url' }
  | { reason: 'scheme'; scheme: string }
  | { reason: 'credentials' }
  | { reason: 'address'; host: string; address: string; class: Exclude<AddressClass, 'public'> }
  | { reason: 'unresolved'; host: string }
  | { reason: 'too_many_redirects'; max: number };

export type UrlJudgement = { ok: true; url: URL; trusted: boolean } | { ok: false; refusal: UrlRefusal };

/**
 * Whether a URL may be fetched, from its text alone: https only (or the trusted origin), no credentials,
 * and a numeric host outside every internal range. The WHATWG parser has already turned
 * `http://2130706433/`, `0x7f.1` and `017700000001` into `127.0.0.1`, and `[::ffff:127.0.0.1]` into
 * `[::ffff:7f00:1]`. A named host is judged later, on every address DNS gives for it. Pure.
 */
export function judgeUrl(raw: string | URL, trustedOrigin: string | undefined): UrlJudgement {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, refusal: { reason: 'not_a_url' } };
  }
  if (trustedOrigin !== undefined && url.origin === trustedOrigin) return { ok: true, url, trusted: true };
  if (url.protocol !== 'https:') return { ok: false, refusal: { reason: 'scheme', scheme: url.protocol } };
  if (url.username || url.password) return { ok: false, refusal: { reason: 'credentials' } };
  const kind = classifyAddress(url.hostname);
  if (kind !== undefined && kind !== 'public')
    return {
      ok: false,
      refusal: { reason: 'address', host: url.hostname, address: url.hostname, class: kind },
    };
  return { ok: true, url, trusted: false };
}

/** A refusal in a sentence for logs and error messages: the host and why, never the path or the query. */
export function describeRefusal(refusal: UrlRefusal): string {
  switch (refusal.reason) {
    case 'not_a_url':
      return 'not a URL';
    case 'scheme':
      return `${refusal.scheme} links are not fetched (https only)`;
    case 'credentials':
      return 'links with a user name or password are not fetched';
    case 'address':
      return refusal.host === refusal.address
        ? `${refusal.host} is a ${refusal.class.replace('_', '-')} address`
        : `${refusal.host} resolves to ${refusal.address}, a ${refusal.class.replace('_', '-')} address`;
    case 'unresolved':
      return `${refusal.host} has no address`;
    case 'too_many_redirects':
      return `more than ${refusal.max} redirects`;
  }
}
