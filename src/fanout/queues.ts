/**
 * The work queue and its poison queue (@azure/storage-queue). In Azure: the app's storage account's queue
 * service with the managed identity (AzureWebJobsStorage__queueServiceUri, the same identity-based connection the
 * queue trigger uses; Storage Queue Data Contributor in infra/app/rbac-queue.bicep). Locally: Azurite's queue
 * service through its development connection string.
 */
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';

export interface FanoutQueues {
  work: QueueClient;
  poison: QueueClient;
}

export interface FanoutQueuesConfig {
  /** https://<account>.queue.core.windows.net (Azure). */
  endpoint?: string;
  /** Azurite only. */
  connectionString?: string;
  credential?: TokenCredential;
  queueName: string;
  poisonQueueName: string;
}

/** The two queue clients; both queues are created when missing. */
export async function createFanoutQueues(config: FanoutQueuesConfig): Promise<FanoutQueues> {
  const service =
    config.connectionString !== undefined
      ? QueueServiceClient.fromConnectionString(config.connectionString)
      : new QueueServiceClient(config.endpoint ?? '', config.credential ?? new DefaultAzureCredential());
  const queues = { work: service.getQueueClient(config.queueName), poison: service.getQueueClient(config.poisonQueueName) };
  await Promise.all([queues.work.createIfNotExists(), queues.poison.createIfNotExists()]);
  return queues;
}

/** Up to 32 poison entries (peeked, not removed): what the planner reports in its run log. */
export async function peekPoison(poison: QueueClient): Promise<{ count: number; texts: string[] }> {
  const [properties, peeked] = await Promise.all([poison.getProperties(), poison.peekMessages({ numberOfMessages: 32 })]);
  return { count: properties.approximateMessagesCount ?? peeked.peekedMessageItems.length, texts: peeked.peekedMessageItems.map((item) => item.messageText) };
}
