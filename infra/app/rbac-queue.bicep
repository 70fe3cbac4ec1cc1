// Queue access of the hunt identity to its own storage account: Storage Queue Data Contributor lets the planner
// send, the queue trigger receive and delete, and the hunter and the host write the poison queue (identity-based
// AzureWebJobsStorage connection; no key).

@description('Name of the app storage account (same resource group).')
param storageAccountName string

@description('Object (principal) id of the hunt identity.')
param principalId string

var storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, principalId, storageQueueDataContributorRoleId)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributorRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
