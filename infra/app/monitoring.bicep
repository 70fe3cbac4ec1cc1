// Telemetry of the function app: a workspace-based Application Insights resource with its own Log Analytics
// workspace. Kept apart from the Sentinel workspace so that app logs neither cost Sentinel ingestion nor mix
// with security data. Local (instrumentation-key) authentication is off: telemetry is accepted only with an
// Entra token of an identity holding Monitoring Metrics Publisher.

@description('Name of the Log Analytics workspace behind Application Insights.')
param logAnalyticsName string

@description('Name of the Application Insights resource.')
param applicationInsightsName string

@description('Region of both resources.')
param location string

@description('Tags of both resources.')
param tags object = {}

@description('Days the app telemetry is kept.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

output logAnalyticsName string = logAnalytics.name
output applicationInsightsName string = applicationInsights.name
output applicationInsightsResourceId string = applicationInsights.id
