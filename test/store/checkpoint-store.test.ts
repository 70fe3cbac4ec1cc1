import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { CheckpointConflictError, CheckpointStore } from '../../src/store/checkpoint-store.js';
import { StoreError } from '../../src/store/errors.js';
import { dumpTable, freshTables } from './helpers.js';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});
afterAll(async () => {
  await azurite?.stop();
});

async function freshStore(): Promise<CheckpointStore> {
  return new CheckpointStore((await freshTables(azurite)).checkpoints);
}

describe('checkpoint store', () => {
  test('a scope without a checkpoint reads as undefined', async () => {
    expect(await (await freshStore()).read('workspace-1')).toBeUndefined();
  });

  test('advance from nothing creates the watermark, at full 100 ns precision', async () => {
    const store = await freshStore();
    const advanced = await store.advance('workspace-1', undefined, '2024-05-01T10:00:00.1234567Z');
    expect(advanced.watermark).toBe('2024-05-01T10:00:00.1234567Z');
    expect(await store.read('workspace-1')).toEqual(advanced);
  });

  test('watermarks are stored in 7-digit form, which orders correctly as text', async () => {
    const store = await freshStore();
    const first = await store.advance('s', undefined, '2024-05-01T10:00:00.9Z');
    expect(first.watermark).toBe('2024-05-01T10:00:00.9000000Z');
    const second = await store.advance('s', first.etag, '2024-05-01T10:00:01Z');
    expect(second.watermark).toBe('2024-05-01T10:00:01.0000000Z');
    expect(first.watermark < second.watermark).toBe(true);
  });

  test('advance with the ETag that was read moves the watermark and returns a new ETag', async () => {
    const store = await freshStore();
    const first = await store.advance('s', undefined, '2024-05-01T10:00:00.0000001Z');
    const second = await store.advance('s', first.etag, '2024-05-01T10:05:00.0000001Z');
    expect(second.etag).not.toBe(first.etag);
    expect((await store.read('s'))?.watermark).toBe('2024-05-01T10:05:00.0000001Z');
  });

  test('advance with a stale ETag fails with a typed conflict and leaves the watermark', async () => {
    const store = await freshStore();
    const first = await store.advance('s', undefined, '2024-05-01T10:00:00.0000000Z');
    await store.advance('s', first.etag, '2024-05-01T10:05:00.0000000Z');
    const failure = await store.advance('s', first.etag, '2024-05-01T10:10:00.0000000Z').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CheckpointConflictError);
    expect((failure as CheckpointConflictError).code).toBe('conflict');
    expect((await store.read('s'))?.watermark).toBe('2024-05-01T10:05:00.0000000Z');
  });

  test('advance from nothing when another run created the checkpoint fails with a conflict', async () => {
    const store = await freshStore();
    await store.advance('s', undefined, '2024-05-01T10:00:00Z');
    await expect(store.advance('s', undefined, '2024-05-01T11:00:00Z')).rejects.toBeInstanceOf(CheckpointConflictError);
  });

  test('a watermark that is not an ISO UTC datetime is refused with a value error', async () => {
    const store = await freshStore();
    for (const bad of ['2024-05-01 10:00:00', '2024-05-01T10:00:00+02:00', '2024-05-01T10:00:00.12345678Z', 'yesterday']) {
      const failure = await store.advance('s', undefined, bad).catch((error: unknown) => error);
      expect(failure, bad).toBeInstanceOf(StoreError);
      expect((failure as StoreError).code).toBe('value');
    }
  });

  test('scopes with key-forbidden characters are independent checkpoints', async () => {
    const tables = await freshTables(azurite);
    const store = new CheckpointStore(tables.checkpoints);
    await store.advance('ws/1#rules?\\x\u0001', undefined, '2024-05-01T10:00:00Z');
    await store.advance('ws/2#rules?\\x\u0001', undefined, '2024-05-02T10:00:00Z');
    expect((await store.read('ws/1#rules?\\x\u0001'))?.watermark).toBe('2024-05-01T10:00:00.0000000Z');
    expect((await store.read('ws/2#rules?\\x\u0001'))?.watermark).toBe('2024-05-02T10:00:00.0000000Z');
    expect(await dumpTable(tables.checkpoints)).toHaveLength(2);
  });
});
