// Encoding modifiers (modifiers appendix "Encoding"). The utf16 modifiers turn text into bytes; we carry
// those bytes as a string of chars U+0000..U+00FF (one char per byte) so the following base64 step encodes
// exactly those bytes. Without a following base64 the pattern is that byte string: it matches an event
// value only if the value holds the same bytes one char per byte (e.g. a wide string read as Latin-1),
// which is what pySigma emits for a bare `wide` too.

/** UTF-16LE bytes of `text` as byte chars (`cmd` → `c\0m\0d\0`). */
export function utf16leBytes(text: string): string {
  let bytes = '';
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    bytes += String.fromCharCode(unit & 0xff, unit >> 8);
  }
  return bytes;
}

/** UTF-16BE bytes of `text` as byte chars (`cmd` → `\0c\0m\0d`). */
export function utf16beBytes(text: string): string {
  let bytes = '';
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    bytes += String.fromCharCode(unit >> 8, unit & 0xff);
  }
  return bytes;
}

/** `utf16`: the byte order mark FF FE, then UTF-16LE (pySigma: BOM + LE). */
export const UTF16_BOM_BYTES = '\xff\xfe';

/** The bytes a base64 step encodes: byte chars as they are, ordinary text as UTF-8 (pySigma encodes str as
 *  UTF-8). */
export function bytesOf(text: string, isByteString: boolean): Buffer {
  return isByteString ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}

export function base64(bytes: Buffer): string {
  return bytes.toString('base64');
}

// pySigma's SigmaBase64OffsetModifier: encode the value after 0, 1 and 2 leading bytes and cut the characters
// that depend on the unknown neighbouring bytes.
const OFFSET_START = [0, 2, 3] as const;
const OFFSET_END = [null, -3, -2] as const;

/** The three shifted encodings of `bytes` (`foobar` → Zm9vYmFy, Zvb2Jhc, mb29iYX). */
export function base64OffsetVariants(bytes: Buffer): string[] {
  const variants: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]).toString('base64');
    const end = OFFSET_END[(bytes.length + shift) % 3];
    variants.push(encoded.slice(OFFSET_START[shift], end === null ? encoded.length : encoded.length + end));
  }
  return variants;
}
