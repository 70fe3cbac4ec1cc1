// The function app on a Flex Consumption (FC1) plan: Node 22, runs as the user-assigned identity, deploys from a
// blob container that identity reads, and reaches host storage, tables and App Insights without any key.

@description('Name of the function app (globally unique: <name>.azurewebsites.net).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Region of the plan and the app; must offer Flex Consumption.')
param location string

@description('Tags of the plan and the app (the app also carries the azd-service-name tag azd deploys to).')
param tags object = {}

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityResourceId string

@description('Client id of that identity.')
param identityClientId string

@description('https URL of the blob service of the app storage account, no trailing slash.')
param blobServiceUri string

@description('https URL of the table service of the app storage account, no trailing slash.')
param tableServiceUri string

@description('https URL of the queue service of the app storage account, no trailing slash (the fan-out\'s queue trigger).')
param queueServiceUri string

@description('https URL of the blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Name of the Application Insights resource (same resource group).')
param applicationInsightsName string

@description('Upper bound of instances the plan may scale out to (Flex Consumption: 40..1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Subnet of the VNet integration (private-network mode); empty: none.')
param virtualNetworkSubnetId string = ''

@description('The hunt settings (HUNT_*, LOG_ANALYTICS_WORKSPACE_ID), composed in main.bicep; merged with the platform settings below.')
param huntSettings object

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux: Flex Consumption has no Windows workers
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22' // Node 20 support on Azure Functions ended 2026-04-30
      }
    }
  }
}

// Publishing with a user name and password (FTP, Kudu basic auth) is refused; deployments authenticate with Entra ID.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// The platform settings. Host storage (AzureWebJobsStorage) uses the identity: the timer's singleton lease lives
// in blobs, host diagnostics in tables, and the fan-out's queue trigger reads its queue through the same
// identity-based connection (queueServiceUri; Storage Queue Data Contributor in rbac-queue.bicep).
//
// APPLICATIONINSIGHTS_CONNECTION_STRING is not a secret: it names the ingestion endpoint and the instrumentation
// key *identifier* of the resource. With local auth disabled on App Insights, that identifier alone cannot send
// telemetry; APPLICATIONINSIGHTS_AUTHENTICATION_STRING makes the agent fetch an Entra token for the identity.
var platformSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobServiceUri
  AzureWebJobsStorage__tableServiceUri: tableServiceUri
  AzureWebJobsStorage__queueServiceUri: queueServiceUri
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(huntSettings, platformSettings)
}

output name string = site.name
output resourceId string = site.id
output defaultHostName string = site.properties.defaultHostName
