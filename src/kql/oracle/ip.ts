// ipv4_is_in_range / ipv6_is_in_range. The docs: the result is null when either argument does not convert. We
// model the forms whose conversion is certain (strict dotted quads, standard IPv6 text, the empty string and text
// that is plainly not an address: a character no spelling of an address has) and refuse the rest ('undecidable': leading zeros, short forms such as
// "10.1", zone ids, an IPv4 address given to the IPv6 function).
import { KqlOracleError } from './errors.js';

const DOTTED_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** An IPv4 address as a number, null when it does not convert. */
export function ipv4Value(text: string): number | null {
  if (text === '') return null;
  const match = DOTTED_QUAD.exec(text);
  if (match) {
    let value = 0;
    for (let octet = 1; octet <= 4; octet++) {
      const part = Number(match[octet]);
      if (part > 255) return null;
      value = value * 256 + part;
    }
    return value;
  }
  if (/^[0-9./]+$/.test(text)) {
    throw new KqlOracleError('undecidable', `whether Kusto reads ${JSON.stringify(text)} as an IPv4 address is not documented`);
  }
  return null;
}

function ipv4Range(text: string): { network: number; prefix: number } | null {
  const [address = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return null;
  const network = ipv4Value(address);
  if (network === null) return null;
  if (prefixText === undefined) return { network, prefix: 32 };
  if (!/^(\d|[12]\d|3[0-2])$/.test(prefixText)) {
    throw new KqlOracleError('undecidable', `IPv4 prefix ${JSON.stringify(text)}`);
  }
  return { network, prefix: Number(prefixText) };
}

export function ipv4InRange(address: string, range: string): boolean | null {
  if (address.includes('/')) throw new KqlOracleError('undecidable', `IPv4 address with a prefix: ${JSON.stringify(address)}`);
  const value = ipv4Value(address);
  const parsedRange = ipv4Range(range);
  if (value === null || parsedRange === null) return null;
  const block = 2 ** (32 - parsedRange.prefix);
  return Math.floor(value / block) === Math.floor(parsedRange.network / block);
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** An IPv6 address (with an optional embedded IPv4 tail) as a 128-bit bigint, null when it does not convert. */
export function ipv6Value(text: string): bigint | null {
  if (text === '') return null;
  if (!text.includes(':')) {
    if (/^[0-9./]+$/.test(text)) {
      throw new KqlOracleError('undecidable', `whether Kusto's IPv6 functions read the IPv4 text ${JSON.stringify(text)} is not modelled`);
    }
    return null;
  }
  if (text.includes('%')) throw new KqlOracleError('undecidable', `IPv6 zone id in ${JSON.stringify(text)}`);
  // Text with a character no IPv6 spelling has certainly does not convert.
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return undecidableV6(text);
  const groups = (half: string, last: boolean): number[] | null => {
    if (half === '') return [];
    const pieces = half.split(':');
    const values: number[] = [];
    for (let index = 0; index < pieces.length; index++) {
      const piece = pieces[index]!;
      if (last && index === pieces.length - 1 && piece.includes('.')) {
        const v4 = DOTTED_QUAD.test(piece) ? ipv4Value(piece) : null;
        if (v4 === null) return null;
        values.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (HEX_GROUP.test(piece)) {
        values.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return values;
  };
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (head === null || tail === null) return undecidableV6(text);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undecidableV6(text);
  let value = 0n;
  for (const group of [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail]) {
    value = (value << 16n) | BigInt(group);
  }
  return value;
}

function undecidableV6(text: string): never {
  throw new KqlOracleError('undecidable', `${JSON.stringify(text)} looks like, but is not, standard IPv6 text`);
}

export function ipv6InRange(address: string, range: string): boolean | null {
  if (address.includes('/')) throw new KqlOracleError('undecidable', `IPv6 address with a prefix: ${JSON.stringify(address)}`);
  const value = ipv6Value(address);
  const [networkText = '', prefixText, extra] = range.split('/');
  if (extra !== undefined) return null;
  const network = ipv6Value(networkText);
  if (value === null || network === null) return null;
  let prefix = 128;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > 128) {
      throw new KqlOracleError('undecidable', `IPv6 prefix ${JSON.stringify(range)}`);
    }
    prefix = Number(prefixText);
  }
  const shift = BigInt(128 - prefix);
  return value >> shift === network >> shift;
}
