// The custom tables the hunt writes into the Sentinel workspace through the Logs Ingestion API. Deployed into the
// workspace's resource group (a table is a child of the workspace). Columns mirror src/sentinel/schema.ts, the
// one declaration the writer uses; test/sentinel/bicep-schema.test.ts compares the two both ways.
//
// Incidents arrive once per version; read the latest with
//   SigmaHuntIncidents_CL | summarize arg_max(Version, *) by IncidentKey

@description('Name of the Sentinel (Log Analytics) workspace in this module\'s resource group.')
param workspaceName string

@description('Days the custom tables keep their rows (interactive retention; 4..730).')
@minValue(4)
@maxValue(730)
param retentionInDays int = 90

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource incidentsTable 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01' = {
  parent: workspace
  name: 'SigmaHuntIncidents_CL'
  properties: {
    plan: 'Analytics'
    retentionInDays: retentionInDays
    schema: {
      name: 'SigmaHuntIncidents_CL'
      description: 'sigma-hunt incidents, one row per version: summarize arg_max(Version, *) by IncidentKey'
      columns: [
        { name: 'TimeGenerated', type: 'dateTime' }
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
        { name: 'FirstSeen', type: 'dateTime' }
        { name: 'LastSeen', type: 'dateTime' }
        { name: 'HitCount', type: 'long' }
        { name: 'Tactics', type: 'dynamic' }
        { name: 'Techniques', type: 'dynamic' }
        { name: 'Explanation', type: 'dynamic' }
        { name: 'SampleHits', type: 'dynamic' }
        { name: 'Truncated', type: 'dynamic' }
      ]
    }
  }
}

resource hitsTable 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01' = {
  parent: workspace
  name: 'SigmaHuntHits_CL'
  properties: {
    plan: 'Analytics'
    retentionInDays: retentionInDays
    schema: {
      name: 'SigmaHuntHits_CL'
      description: 'sigma-hunt verified hits (a hit may arrive twice: summarize arg_max(TimeGenerated, *) by HitId)'
      columns: [
        { name: 'TimeGenerated', type: 'dateTime' }
        { name: 'HitId', type: 'string' }
        { name: 'IncidentKey', type: 'string' }
        { name: 'RuleId', type: 'string' }
        { name: 'EventTime', type: 'dateTime' }
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
}

output incidentsTableName string = incidentsTable.name
output hitsTableName string = hitsTable.name
