// Exact CIDR containment for the `cidr` modifier.
//
// Decisions (src/match/README.md): an IPv4 address matches IPv4 networks only; an IPv6 address matches IPv6
// networks, and an IPv4-mapped IPv6 address (::ffff:a.b.c.d, as dual-stack sockets log IPv4 peers) also
// matches IPv4 networks through its embedded IPv4 address. An IPv6 zone index (`fe80::1%12`) is ignored.
// IPv4 octets are decimal (a leading zero is not octal).

export type IpAddress = { family: 4; value: number } | { family: 6; value: bigint };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function parseIPv4(text: string): number | null {
  const octets = IPV4.exec(text);
  if (!octets) return null;
  let value = 0;
  for (let k = 1; k <= 4; k++) {
    const octet = Number(octets[k]);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function parseIPv6(text: string): bigint | null {
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text;
  if (address === '' || zone === text.length - 1) return null;
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (half: string): number[] | null => {
    if (half === '') return [];
    const groups: number[] = [];
    const pieces = half.split(':');
    for (let k = 0; k < pieces.length; k++) {
      const piece = pieces[k];
      if (k === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === null) return null;
        groups.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (HEX_GROUP.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (head === null || tail === null) return null;
  // An embedded IPv4 address is only valid as the last 32 bits.
  if (halves.length === 2 && halves[0].includes('.')) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

/** The last address parsed: an item lists several networks (the private ranges), each its own test on the
 *  same value, which parsed it once per network (7% of a scan with rules/windows). */
let lastText: string | null = null;
let lastAddress: IpAddress | null = null;

export function parseIpAddress(text: string): IpAddress | null {
  if (text === lastText) return lastAddress;
  lastAddress = parseAddress(text);
  lastText = text;
  return lastAddress;
}

function parseAddress(text: string): IpAddress | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { family: 4, value: v4 };
  if (!text.includes(':')) return null;
  const v6 = parseIPv6(text);
  return v6 === null ? null : { family: 6, value: v6 };
}

/** A network as a predicate on address text; null when `network` is not an address of `family`. */
export function compileCidr(family: 4 | 6, network: string, prefixLength: number): ((text: string) => boolean) | null {
  if (family === 4) {
    const base = parseIPv4(network);
    if (base === null || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) return null;
    // Math on 2^(32-p) blocks instead of `>>>`: JS shifts are mod 32, so a /0 shift would be a no-op.
    const block = 2 ** (32 - prefixLength);
    const networkBlock = Math.floor(base / block);
    return (text) => {
      const address = parseIpAddress(text);
      if (address === null) return false;
      let v4: number;
      if (address.family === 4) v4 = address.value;
      else if (address.value >> 32n === 0xffffn) v4 = Number(address.value & 0xffffffffn);
      else return false;
      return Math.floor(v4 / block) === networkBlock;
    };
  }
  const base = parseIPv6(network);
  if (base === null || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 128) return null;
  const shift = BigInt(128 - prefixLength);
  const networkBlock = base >> shift;
  return (text) => {
    if (!text.includes(':')) return false;
    const v6 = parseIPv6(text);
    return v6 !== null && v6 >> shift === networkBlock;
  };
}
