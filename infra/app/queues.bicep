// The fan-out's queues in the app storage account (src/fanout/): the work queue the planner fills with one message
// per (workspace, batch) and the hunter is triggered by, and the poison queue the Functions host and the hunter
// move failed messages to (the host's convention: <queue>-poison).

@description('Name of the app storage account (same resource group).')
param storageAccountName string

@description('Name of the work queue (3-57 lower-case letters, digits and single hyphens; -poison is appended for the poison queue).')
@minLength(3)
@maxLength(57)
param queueName string

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource workQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: queueName
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${queueName}-poison'
}

// Built from the account name, without a trailing slash, like the blob and table URIs of storage.bicep.
output queueServiceUri string = 'https://${storageAccount.name}.queue.${environment().suffixes.storage}'
output queueName string = workQueue.name
output poisonQueueName string = poisonQueue.name
