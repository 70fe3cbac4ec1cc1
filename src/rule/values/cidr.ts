// cidr (modifiers appendix "IP Modifiers"). Parsing follows Python's ipaddress.ip_network, which pySigma
// uses: strict (no host bits), no leading zeros in IPv4 octets, a bare address is a /32 or /128 network.

export interface CidrNetwork {
  family: 4 | 6;
  /** Canonical text of the network address (IPv6 compressed, lower case). */
  network: string;
  prefixLength: number;
}

export type CidrParse = { ok: true; network: CidrNetwork } | { ok: false; reason: string };

function parseIpv4(text: string): number[] | null {
  const octets = text.split('.');
  if (octets.length !== 4) return null;
  const values: number[] = [];
  for (const octet of octets) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(octet)) return null;
    const value = Number(octet);
    if (value > 255) return null;
    values.push(value);
  }
  return values;
}

/** Eight 16-bit groups, or null. Accepts `::` once and a dotted IPv4 tail. */
function parseIpv6(text: string): number[] | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const toGroups = (half: string, allowIpv4Tail: boolean): number[] | null => {
    if (half === '') return [];
    const groups: number[] = [];
    const pieces = half.split(':');
    for (let index = 0; index < pieces.length; index++) {
      const piece = pieces[index];
      if (allowIpv4Tail && index === pieces.length - 1 && piece.includes('.')) {
        const ipv4 = parseIpv4(piece);
        if (!ipv4) return null;
        groups.push((ipv4[0] << 8) | ipv4[1], (ipv4[2] << 8) | ipv4[3]);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(piece)) return null;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  if (halves.length === 1) {
    const groups = toGroups(halves[0], true);
    return groups && groups.length === 8 ? groups : null;
  }
  const head = toGroups(halves[0], false);
  const tail = toGroups(halves[1], true);
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text: lower case, leading zeros dropped, the first longest run (2+ groups) of zeros as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':');
}

/** Clears the bits after `prefixLength` in big-endian groups of `bitsPerGroup`; reports whether any were set. */
function maskGroups(groups: readonly number[], bitsPerGroup: number, prefixLength: number): { masked: number[]; hostBitsSet: boolean } {
  let hostBitsSet = false;
  const masked = groups.map((group, index) => {
    const keep = Math.max(0, Math.min(bitsPerGroup, prefixLength - index * bitsPerGroup));
    const mask = keep === 0 ? 0 : ((0xffff << (bitsPerGroup - keep)) & ((1 << bitsPerGroup) - 1));
    if ((group & ~mask) !== 0) hostBitsSet = true;
    return group & mask;
  });
  return { masked, hostBitsSet };
}

export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  const ipv4 = parseIpv4(addressText);
  const ipv6 = ipv4 ? null : parseIpv6(addressText);
  if (!ipv4 && !ipv6) return { ok: false, reason: `'${text}' is not an IPv4 or IPv6 network` };
  const family: 4 | 6 = ipv4 ? 4 : 6;
  const maxPrefix = family === 4 ? 32 : 128;
  let prefixLength = maxPrefix;
  if (prefixText !== null) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > maxPrefix) {
      return { ok: false, reason: `'${text}' has an invalid prefix length (0..${maxPrefix} for IPv${family})` };
    }
    prefixLength = Number(prefixText);
  }
  const { masked, hostBitsSet } = ipv4 ? maskGroups(ipv4, 8, prefixLength) : maskGroups(ipv6!, 16, prefixLength);
  if (hostBitsSet) return { ok: false, reason: `'${text}' has host bits set (the network is ${ipv4 ? masked.join('.') : formatIpv6(masked)}/${prefixLength})` };
  return { ok: true, network: { family, network: ipv4 ? masked.join('.') : formatIpv6(masked), prefixLength } };
}
