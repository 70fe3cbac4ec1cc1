// Optional Sentinel content on the workspace: a scheduled analytics rule that raises Sentinel incidents from
// SigmaHuntIncidents_CL (entities, ATT&CK tactics and techniques, grouped by sigma-hunt incident). Deployed into
// the workspace's resource group (an analytics rule is an extension of the workspace) and needs Microsoft
// Sentinel Contributor there. The query is infra/sentinel/analytics-rule.kql, checked by the Kusto language
// service against the custom table's schema (test/sentinel/kql.test.ts).

@description('Name of the Sentinel (Log Analytics) workspace in this module\'s resource group.')
param workspaceName string

@description('Name (a GUID) of the analytics rule; derived from the environment so a redeploy updates the same rule.')
param ruleName string

@description('ATT&CK tactics the rule declares (Sentinel spelling). Each alert also carries its incident\'s own tactics (AlertTactics column).')
param tactics array = [
  'CommandAndControl'
]

@description('ATT&CK techniques the rule declares (Txxxx, without sub-technique).')
param techniques array = [
  'T1105'
]

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource analyticsRule 'Microsoft.SecurityInsights/alertRules@2023-02-01' = {
  name: ruleName
  scope: workspace
  kind: 'Scheduled'
  properties: {
    displayName: 'sigma-hunt: Sigma-verified incident'
    description: 'An incident of sigma-hunt (KQL pre-filter re-verified by the Sigma matcher), at its latest version. Custom details carry the sigma-hunt incident key and rule; the incident in Table Storage holds the explanation and sample hits.'
    enabled: true
    severity: 'Medium'
    query: loadTextContent('../sentinel/analytics-rule.kql')
    queryFrequency: 'PT5M'
    queryPeriod: 'PT1H'
    triggerOperator: 'GreaterThan'
    triggerThreshold: 0
    suppressionEnabled: false
    suppressionDuration: 'PT5H'
    tactics: tactics
    techniques: techniques
    eventGroupingSettings: {
      aggregationKind: 'AlertPerResult'
    }
    alertDetailsOverride: {
      alertDisplayNameFormat: 'sigma-hunt: {{RuleTitle}} on {{Host}}'
      alertDescriptionFormat: 'Sigma rule {{RuleId}} matched {{HitCount}} verified events (incident {{IncidentKey}}, version {{Version}}).'
      alertSeverityColumnName: 'AlertSeverity'
      alertTacticsColumnName: 'AlertTactics'
    }
    customDetails: {
      SigmaHuntIncident: 'IncidentKey'
      SigmaRuleId: 'RuleId'
      Techniques: 'TechniqueIds'
      HitCount: 'HitCount'
    }
    entityMappings: [
      {
        entityType: 'Host'
        fieldMappings: [
          {
            identifier: 'HostName'
            columnName: 'Host'
          }
        ]
      }
      {
        entityType: 'Account'
        fieldMappings: [
          {
            identifier: 'Name'
            columnName: 'Account'
          }
        ]
      }
      {
        entityType: 'Process'
        fieldMappings: [
          {
            identifier: 'CommandLine'
            columnName: 'ProcessImage'
          }
        ]
      }
      {
        entityType: 'IP'
        fieldMappings: [
          {
            identifier: 'Address'
            columnName: 'DestinationIp'
          }
        ]
      }
      {
        entityType: 'DNS'
        fieldMappings: [
          {
            identifier: 'DomainName'
            columnName: 'DestinationFqdn'
          }
        ]
      }
    ]
    incidentConfiguration: {
      createIncident: true
      // A new version of a sigma-hunt incident joins the Sentinel incident of the earlier ones.
      groupingConfiguration: {
        enabled: true
        reopenClosedIncident: false
        lookbackDuration: 'P7D'
        matchingMethod: 'Selected'
        groupByCustomDetails: [
          'SigmaHuntIncident'
        ]
        groupByEntities: []
        groupByAlertDetails: []
      }
    }
  }
}

@description('Resource id of the analytics rule: the predown hook of azure.yaml deletes it (it outlives the app\'s resource group).')
output ruleResourceId string = analyticsRule.id
