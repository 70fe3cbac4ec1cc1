// Optional Sentinel workbook: incidents by rule, severity and host over time, read from SigmaHuntIncidents_CL.
// Lives in the app's resource group (removed with it) and opens on the Sentinel workspace (sourceId). Its queries
// are in infra/sentinel/workbook.json, checked by the Kusto language service (test/sentinel/kql.test.ts).

@description('Name (a GUID) of the workbook resource.')
param name string

@description('Region of the workbook resource.')
param location string

@description('Tags of the workbook.')
param tags object = {}

@description('Resource id of the Sentinel workspace the workbook reads.')
param workspaceResourceId string

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'sigma-hunt incidents'
    category: 'sentinel'
    sourceId: workspaceResourceId
    serializedData: replace(loadTextContent('../sentinel/workbook.json'), '__WORKSPACE_RESOURCE_ID__', workspaceResourceId)
  }
}

output workbookId string = workbook.id
