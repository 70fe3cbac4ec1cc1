// The fan-out hunter: one (workspace, batch) message from the HUNT_QUEUE_NAME queue, hunted by
// src/fanout/hunter.ts. The queue connection is identity-based (AzureWebJobsStorage__queueServiceUri); delivery,
// retries and the poison queue follow host.json extensions.queues.
import { app, type InvocationContext } from '@azure/functions';
import { hunterHandler, setUpFanout } from '../src/fanout/triggers.js';
import { contextLog } from './context-log.js';

const setup = setUpFanout(process.env);
if (!setup.ok) console.error(setup.error.message);
const hunt = hunterHandler(setup);

export async function sigmaHuntHunter(message: unknown, context: InvocationContext): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  await hunt(message, { dequeueCount, id: String(context.triggerMetadata?.id ?? '') }, contextLog(context));
}

app.storageQueue('sigmaHuntHunter', { queueName: '%HUNT_QUEUE_NAME%', connection: 'AzureWebJobsStorage', handler: sigmaHuntHunter });
