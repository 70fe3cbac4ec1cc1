// Read access of the hunt identity to the Sentinel workspace, and only to it: deployed into the workspace's
// resource group (which may be in another subscription) and scoped to the workspace resource, not the group.
// Log Analytics Reader is enough to run queries, including workspace functions such as the ASIM parsers.

@description('Name of the Sentinel (Log Analytics) workspace in this module\'s resource group.')
param workspaceName string

@description('Object (principal) id of the hunt identity.')
param principalId string

var logAnalyticsReaderRoleId = '73c42c96-874c-492b-b04d-ab87d138a893'

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource logAnalyticsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, principalId, logAnalyticsReaderRoleId)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', logAnalyticsReaderRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('Resource id of the role assignment: delete it by this id when removing the hunt (it outlives the resource group).')
output roleAssignmentId string = logAnalyticsReader.id
