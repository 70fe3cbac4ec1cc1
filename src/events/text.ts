// Bytes to line batches and text chunks, streamed: a file is never one string.
import { StringDecoder } from 'node:string_decoder';
import type { JsonTextBatch } from './types.js';

/** What a reader accepts: a Node Readable (file, stdin) or any async iterable of bytes or text (text is
 *  encoded as UTF-8 first). */
export type ChunkSource = AsyncIterable<Uint8Array | string>;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The source as Buffers, without a leading UTF-8 byte order mark (Windows tools and the Log Analytics
 *  portal's CSV export write one). */
export async function* byteChunks(source: ChunkSource): AsyncGenerator<Buffer> {
  let head: Buffer | null = Buffer.alloc(0);
  for await (const chunk of source) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (head !== null) {
      // The mark may arrive split over chunks: hold bytes back until three are known.
      bytes = head.length > 0 ? Buffer.concat([head, bytes]) : bytes;
      if (bytes.length < BOM.length && BOM.subarray(0, bytes.length).equals(bytes)) {
        head = bytes;
        continue;
      }
      if (bytes.subarray(0, BOM.length).equals(BOM)) bytes = bytes.subarray(BOM.length);
      head = null;
    }
    if (bytes.length > 0) yield bytes;
  }
  if (head !== null && head.length > 0 && !BOM.subarray(0, head.length).equals(head)) yield head;
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** How far into the input a NUL byte marks it as binary. Text formats never hold one (JSON escapes control
 *  characters, CSV exports are UTF-8 text); git uses the same test on its first 8,000 bytes. */
export const BINARY_SNIFF_BYTES = 8000;

export interface InputHead {
  /** The first non-whitespace character, '' for an input that is empty or only whitespace; a non-ASCII one
   *  comes back as the lead byte's Latin-1 reading, which no format detection looks for anyway. */
  first: string;
  /** Offset of a NUL byte among the first bytes read (within BINARY_SNIFF_BYTES), or -1. */
  nulOffset: number;
  /** The chunks, unconsumed. */
  chunks: AsyncIterable<Buffer>;
}

/** Reads chunks until the first non-whitespace byte, which decides the format, and gives them back unconsumed.
 *  Only what has already arrived is sniffed for binary content: waiting for more would hold back the first
 *  records of a slow pipe. */
export async function peekHead(chunks: AsyncIterable<Buffer>): Promise<InputHead> {
  const iterator = chunks[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let first = '';
  let done = false;
  while (first === '') {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    for (const byte of next.value) {
      if (!isJsonWhitespace(byte)) {
        first = String.fromCharCode(byte);
        break;
      }
    }
  }
  const head = seen.length === 1 ? seen[0] : Buffer.concat(seen);
  const nulOffset = head.subarray(0, BINARY_SNIFF_BYTES).indexOf(0);
  async function* replay(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { first, nulOffset, chunks: replay() };
}

/** Decodes UTF-8 across chunk boundaries. Invalid UTF-8 becomes U+FFFD rather than an error: the record
 *  then simply does not match what it was meant to. */
export async function* decodeUtf8(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) {
    const text = decoder.write(chunk);
    if (text.length > 0) yield text;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}

/** Splits bytes into lines, one batch per chunk. Lines are numbered from 0 and every physical line counts,
 *  blank ones included, so `index` is what `sed -n "$((index+1))p"` prints. A trailing CR (CRLF files) is
 *  removed; a final line without a newline is still a line; whitespace-only lines come out as ''.
 *
 *  Speed: a chunk is read as Latin-1 (one character per byte, so character offsets are byte offsets) and
 *  split there; only lines with a byte above 0x7F are decoded again as UTF-8. ASCII lines thus stay
 *  one-byte strings, which JSON.parse and regular expressions scan faster than the two-byte strings a
 *  whole-chunk UTF-8 decode produces once any line in the chunk has a non-ASCII character. */
export async function* splitLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<JsonTextBatch> {
  let carry: Buffer[] = [];
  let nextIndex = 0;
  for await (const chunk of chunks) {
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      carry.push(chunk);
      continue;
    }
    const bytes = carry.length > 0 ? Buffer.concat([...carry, chunk]) : chunk;
    const end = bytes.length - (chunk.length - lastNewline);
    carry = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
    const texts = bytes.toString('latin1', 0, end).split('\n');
    const asciiOnly = new Uint8Array(texts.length);
    let offset = 0;
    for (let k = 0; k < texts.length; k++) {
      const raw = texts[k];
      // Latin-1 characters above 0x7F take two UTF-8 bytes: equal lengths mean every byte is ASCII.
      if (Buffer.byteLength(raw, 'utf8') === raw.length) {
        asciiOnly[k] = 1;
        texts[k] = cleanLine(raw);
      } else {
        texts[k] = cleanLine(bytes.toString('utf8', offset, offset + raw.length));
      }
      offset += raw.length + 1;
    }
    yield { kind: 'json-texts', firstIndex: nextIndex, texts, asciiOnly };
    nextIndex += texts.length;
  }
  if (carry.length > 0) {
    const text = cleanLine(Buffer.concat(carry).toString('utf8'));
    yield { kind: 'json-texts', firstIndex: nextIndex, texts: [text] };
  }
}

function cleanLine(line: string): string {
  if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
  // A JSON line starts with '{' almost always: only other lines pay for the whitespace test.
  if (line.length > 0 && line.charCodeAt(0) !== 123 && line.trim() === '') return '';
  return line;
}
