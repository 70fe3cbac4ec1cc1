// Storage of the hunt: the Functions host (timer lease, diagnostics), the deployment package and the hunt's
// tables (incidents, checkpoints, and the fan-out's query-slot leases). Reached with Entra ID only: shared keys are off, so no connection string or key exists to leak.

@description('Name of the storage account: 3-24 lower-case letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the storage account.')
param location string

@description('Tags of the storage account.')
param tags object = {}

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Table of incidents (HUNT_INCIDENTS_TABLE).')
param incidentsTableName string

@description('Table of ingestion watermarks (HUNT_CHECKPOINTS_TABLE).')
param checkpointsTableName string

@description('Table of the fan-out\'s query-slot leases and shared 429 pause (HUNT_SLOTS_TABLE).')
param slotsTableName string

@description('true: refuse public network access; the app reaches blobs and tables through private endpoints (network.bicep).')
param privateNetworking bool = false

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    // Without a virtual network, Flex Consumption reaches storage over its public endpoint; access is still
    // limited to identities holding a data role on this account. privateNetworking closes the public endpoint:
    // the app then reaches blobs and tables through private endpoints from its integrated subnet.
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource incidentsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: incidentsTableName
}

resource checkpointsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: checkpointsTableName
}

// Created here rather than by the app on first use, so the app's identity needs no right to create tables
// at run time to start hunting, and `azd down` removes it with the rest.
resource slotsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: slotsTableName
}

// Built from the account name rather than primaryEndpoints, whose URLs end with a slash: the app settings and
// the table URLs below want none.
var blobServiceUri = 'https://${storageAccount.name}.blob.${environment().suffixes.storage}'
var tableServiceUri = 'https://${storageAccount.name}.table.${environment().suffixes.storage}'

output name string = storageAccount.name
output resourceId string = storageAccount.id
output blobServiceUri string = blobServiceUri
output tableServiceUri string = tableServiceUri
output deploymentContainerUrl string = '${blobServiceUri}/${deploymentContainer.name}'
output incidentsTableUrl string = '${tableServiceUri}/${incidentsTable.name}'
output checkpointsTableUrl string = '${tableServiceUri}/${checkpointsTable.name}'
output slotsTableUrl string = '${tableServiceUri}/${slotsTable.name}'
