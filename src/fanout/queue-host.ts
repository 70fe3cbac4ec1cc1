/**
 * What the Functions host does for a queue trigger, for the places that run without it (the local run, the chaos
 * run): receive one message with a visibility timeout (the lease while it runs), call the handler with the
 * decoded text and the dequeue count, delete the message when the handler returns, make it visible again at once
 * when it throws (host.json extensions.queues.visibilityTimeout 0), and move it to the poison queue when it
 * throws on its last delivery (dequeueCount >= maxDequeueCount). A process that dies does none of this: the
 * message reappears when its visibility timeout ends (`isDead`).
 */
import { decodeMessageText } from './messages.js';
import type { FanoutQueues } from './queues.js';
import type { Delivery } from './hunter.js';

export interface QueueHostOptions {
  queues: FanoutQueues;
  handler: (text: string, delivery: Delivery) => Promise<unknown>;
  maxDequeueCount: number;
  /** Seconds a received message stays invisible while its handler runs; default 30. */
  visibilityTimeoutSeconds?: number;
  /** True once the (simulated) process has died: nothing more is acknowledged. */
  isDead?: () => boolean;
}

export type DeliveryOutcome = 'empty' | 'completed' | 'retried' | 'poisoned-by-host' | 'died';

export async function deliverOne(options: QueueHostOptions): Promise<DeliveryOutcome> {
  const received = await options.queues.work.receiveMessages({ numberOfMessages: 1, visibilityTimeout: options.visibilityTimeoutSeconds ?? 30 });
  const item = received.receivedMessageItems[0];
  if (!item) return 'empty';
  const dead = options.isDead ?? (() => false);
  try {
    await options.handler(decodeMessageText(item.messageText), { dequeueCount: item.dequeueCount, id: item.messageId });
  } catch (error) {
    if (dead()) return 'died';
    if (item.dequeueCount >= options.maxDequeueCount) {
      await options.queues.poison.sendMessage(item.messageText);
      await lostLease(options.queues.work.deleteMessage(item.messageId, item.popReceipt));
      return 'poisoned-by-host';
    }
    await lostLease(options.queues.work.updateMessage(item.messageId, item.popReceipt, undefined, 0));
    return 'retried';
  }
  if (dead()) return 'died';
  await lostLease(options.queues.work.deleteMessage(item.messageId, item.popReceipt));
  return 'completed';
}

/** A run that outlasted its visibility timeout lost the message to another delivery (400 PopReceiptMismatch:
 *  it was received again since; 404: the other delivery already deleted it): harmless, that delivery hunts it. */
async function lostLease(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    const { statusCode, code } = error as { statusCode?: number; code?: string };
    const lost = statusCode === 404 || (statusCode === 400 && (code === undefined || /PopReceipt/i.test(code)));
    if (!lost) throw error;
  }
}

/** Delivers until the queue answers empty `emptyPolls` times in a row (messages released by a dead delivery
 *  reappear later). */
export async function drainQueue(options: QueueHostOptions & { emptyPolls?: number; pollMs?: number }): Promise<Record<DeliveryOutcome, number>> {
  const counts: Record<DeliveryOutcome, number> = { empty: 0, completed: 0, retried: 0, 'poisoned-by-host': 0, died: 0 };
  let empties = 0;
  while (empties < (options.emptyPolls ?? 1)) {
    const outcome = await deliverOne(options);
    counts[outcome] += 1;
    if (outcome === 'empty') {
      empties += 1;
      if (empties < (options.emptyPolls ?? 1)) await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
    } else empties = 0;
  }
  return counts;
}
