// The Logs Ingestion path into the Sentinel workspace: a data collection endpoint (DCE) the app posts to, a data
// collection rule (DCR) declaring the two input streams and routing each to its custom table, and the least role
// the app needs to send through the rule: Monitoring Metrics Publisher on the DCR only. Both live in the app's
// resource group (removed with it) but in the workspace's region, as a DCR sending to a workspace must.
// Stream columns mirror src/sentinel/schema.ts (test/sentinel/bicep-schema.test.ts compares them).

@description('Name of the data collection endpoint.')
param endpointName string

@description('Name of the data collection rule.')
param ruleName string

@description('Region of the Sentinel workspace: the DCE and DCR must be in it.')
param location string

@description('Tags of the DCE and DCR.')
param tags object = {}

@description('Resource id of the Sentinel workspace the tables are in.')
param workspaceResourceId string

@description('Object (principal) id of the hunt identity.')
param principalId string

@description('Public network access of the ingestion endpoint: Enabled, or Disabled with a private link scope (not created here).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'
var incidentsStream = 'Custom-SigmaHuntIncidents_CL'
var hitsStream = 'Custom-SigmaHuntHits_CL'
var destinationName = 'sentinelWorkspace'

resource endpoint 'Microsoft.Insights/dataCollectionEndpoints@2023-03-11' = {
  name: endpointName
  location: location
  tags: tags
  properties: {
    networkAcls: {
      publicNetworkAccess: publicNetworkAccess
    }
  }
}

resource rule 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: ruleName
  location: location
  tags: tags
  properties: {
    dataCollectionEndpointId: endpoint.id
    streamDeclarations: {
      'Custom-SigmaHuntIncidents_CL': {
        columns: [
          { name: 'TimeGenerated', type: 'datetime' }
          { name: 'IncidentKey', type: 'string' }
          { name: 'Version', type: 'long' }
          { name: 'RuleId', type: 'string' }
          { name: 'RuleTitle', type: 'string' }
          { name: 'Severity', type: 'string' }
          { name: 'Status', type: 'string' }
          { name: 'Host', type: 'string' }
          { name: 'Account', type: 'string' }
          { name: 'ProcessImage', type: 'string' }
          { name: 'DestinationFqdn', type: 'string' }
          { name: 'DestinationIp', type: 'string' }
          { name: 'DestinationPort', type: 'int' }
          { name: 'FirstSeen', type: 'datetime' }
          { name: 'LastSeen', type: 'datetime' }
          { name: 'HitCount', type: 'long' }
          { name: 'Tactics', type: 'dynamic' }
          { name: 'Techniques', type: 'dynamic' }
          { name: 'Explanation', type: 'dynamic' }
          { name: 'SampleHits', type: 'dynamic' }
          { name: 'Truncated', type: 'dynamic' }
        ]
      }
      'Custom-SigmaHuntHits_CL': {
        columns: [
          { name: 'TimeGenerated', type: 'datetime' }
          { name: 'HitId', type: 'string' }
          { name: 'IncidentKey', type: 'string' }
          { name: 'RuleId', type: 'string' }
          { name: 'EventTime', type: 'datetime' }
          { name: 'Host', type: 'string' }
          { name: 'Account', type: 'string' }
          { name: 'ProcessId', type: 'string' }
          { name: 'DestinationFqdn', type: 'string' }
          { name: 'DestinationIp', type: 'string' }
          { name: 'DestinationPort', type: 'int' }
          { name: 'Event', type: 'dynamic' }
          { name: 'Explanation', type: 'dynamic' }
        ]
      }
    }
    destinations: {
      logAnalytics: [
        {
          name: destinationName
          workspaceResourceId: workspaceResourceId
        }
      ]
    }
    // No transformation: the rows already have the table's columns.
    dataFlows: [
      {
        streams: [
          incidentsStream
        ]
        destinations: [
          destinationName
        ]
        transformKql: 'source'
        outputStream: incidentsStream
      }
      {
        streams: [
          hitsStream
        ]
        destinations: [
          destinationName
        ]
        transformKql: 'source'
        outputStream: hitsStream
      }
    ]
  }
}

resource monitoringMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(rule.id, principalId, monitoringMetricsPublisherRoleId)
  scope: rule
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('SENTINEL_INGESTION_ENDPOINT: the logs ingestion URL of the DCE.')
output logsIngestionEndpoint string = endpoint.properties.logsIngestion.endpoint
@description('SENTINEL_DCR_IMMUTABLE_ID: the immutable id of the DCR (dcr-...).')
output ruleImmutableId string = rule.properties.immutableId
output ruleId string = rule.id
