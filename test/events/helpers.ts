import { eventRecords, openEventStream } from '../../src/events/read.js';
import type { EventFormat, EventRecord } from '../../src/events/types.js';
import { EventReadError } from '../../src/events/types.js';

/** The input as byte chunks cut at the given sizes (cycled), to put chunk boundaries everywhere. */
export async function* chunked(text: string | Buffer, sizes: readonly number[] = [1 << 20]): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let offset = 0;
  for (let k = 0; offset < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

export interface ReadAll {
  format: EventFormat;
  records: EventRecord[];
  errors: EventReadError[];
  /** Records and errors in the order they came. */
  order: Array<{ kind: 'record' | 'error'; index: number | null }>;
}

export async function readAll(input: string | Buffer, name = 'events', options: { sizes?: number[]; format?: EventFormat } = {}): Promise<ReadAll> {
  const stream = await openEventStream(chunked(input, options.sizes), { name, format: options.format });
  const result: ReadAll = { format: stream.format, records: [], errors: [], order: [] };
  for await (const item of eventRecords(stream)) {
    if (item instanceof EventReadError) {
      result.errors.push(item);
      result.order.push({ kind: 'error', index: item.index });
    } else {
      result.records.push(item);
      result.order.push({ kind: 'record', index: item.index });
    }
  }
  return result;
}
