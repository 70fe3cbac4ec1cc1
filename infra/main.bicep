// sigma-hunt: a timer-triggered function app that hunts in a Microsoft Sentinel workspace and writes incidents to
// Table Storage. Deployed into one resource group; the only things it touches outside that group are role
// assignments (Log Analytics Reader) on the Sentinel workspace and on each fan-out workspace (huntWorkspaces).
//
//   az deployment group create -g <rg> -f infra/main.bicep -p sentinelWorkspaceResourceId=<id>
//   azd up
//
// Each hunt parameter below becomes the app setting named in its description; src/hunt/config.ts (HUNT_SETTINGS)
// owns the meaning and the defaults, and test/infra checks that the two agree.
targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------------------------------

@description('Name of the environment (azd: AZURE_ENV_NAME). Seeds the unique suffix of every resource name and the azd-env-name tag.')
@minLength(1)
@maxLength(64)
param environmentName string = 'sigmahunt'

@description('Region of the resources created here (the Sentinel workspace stays where it is). Must offer the Flex Consumption plan.')
@minLength(1)
param location string = resourceGroup().location

@description('Resource id of the Microsoft Sentinel (Log Analytics) workspace to hunt in: /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>. It may be in another resource group or subscription of the same tenant.')
@minLength(1)
param sentinelWorkspaceResourceId string

@description('Tags added to every resource created here.')
param tags object = {}

@description('Upper bound of Flex Consumption instances. The timer runs on one instance at a time; the bound only caps cost if triggers are added.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each Flex Consumption instance in MB.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

// ---------------------------------------------------------------------------------------------------
// Hunt settings (see src/hunt/config.ts). An empty string leaves the setting to the code's default.
// ---------------------------------------------------------------------------------------------------

@description('HUNT_SCHEDULE: NCRONTAB schedule of the hunt, 6 fields {second} {minute} {hour} {day} {month} {day-of-week}, in UTC.')
param huntSchedule string = '0 */5 * * * *'

@description('HUNT_TARGET: where events are read: asim (ASIM _Im_NetworkSession), mde (Defender XDR tables) or sysmon (raw Sysmon events).')
@allowed([
  'asim'
  'mde'
  'sysmon'
])
param huntTarget string = 'asim'

@description('HUNT_LOOKBACK: how far back the first run reads (5m..14d; 30s/5m/1h/1d or ISO 8601 such as PT1H).')
param huntLookback string = '1h'

@description('HUNT_INGESTION_DELAY: how late an event may arrive and still be read (0..7d).')
param huntIngestionDelay string = '5m'

@description('HUNT_SAFETY_LAG: how far behind now the ingestion watermark stays (0..1h, shorter than the lookback).')
param huntSafetyLag string = '2m'

@description('HUNT_MAX_WINDOW: largest ingestion span per query when catching up (5m..1d).')
param huntMaxWindow string = '1h'

@description('HUNT_PAGE_ROWS: rows one query returns at most (1000..250000); a window with more is read in pages, which bounds the memory of a run.')
param huntPageRows string = '50000'

@description('HUNT_GROUPING_WINDOW: incident grouping bucket (5m..7d).')
param huntGroupingWindow string = '24h'

@description('HUNT_RUN_BUDGET: time a run may take (1m to less than 10m, the host functionTimeout).')
param huntRunBudget string = '8m'

@description('HUNT_ROW_LIMIT_MS: milliseconds (1..60000) past which one row\'s Sigma verification is reported as slow (rule, hit id, field, length; never the value). The verdict stands.')
param huntRowLimitMs string = '100'

@description('HUNT_LOG_EVENT_VALUES: true lets logs carry event values (each cut to 200 characters, control characters escaped); false logs hit ids and field names only.')
@allowed([
  'true'
  'false'
])
param huntLogEventValues string = 'false'

@description('HUNT_INCIDENTS_TABLE: table of incidents (3-63 letters and digits, starting with a letter). Created by this template.')
@minLength(3)
@maxLength(63)
param huntIncidentsTable string = 'SigmaHuntIncidents'

@description('HUNT_CHECKPOINTS_TABLE: table of ingestion watermarks. Created by this template.')
@minLength(3)
@maxLength(63)
param huntCheckpointsTable string = 'SigmaHuntCheckpoints'

@description('HUNT_RULES_PATH: folder of Sigma rules, relative to the app root. Empty: the rules/ folder bundled with the app.')
param huntRulesPath string = ''

@description('HUNT_PLACEHOLDERS_PATH: YAML/JSON file of placeholder values for `expand`, relative to the app root. Empty: none.')
param huntPlaceholdersPath string = ''

@description('HUNT_KQL_OVERRIDES_PATH: folder of hand-written KQL per rule (<ruleId>.kql), relative to the app root. Empty: none.')
param huntKqlOverridesPath string = ''

@description('HUNT_LOG_ANALYTICS_ENDPOINT: query API base URL ending in /v1; change it for a sovereign cloud.')
param huntLogAnalyticsEndpoint string = 'https://api.loganalytics.azure.com/v1'

@description('HUNT_LOG_ANALYTICS_SCOPE: token scope of the query API. Empty: derived from the endpoint.')
param huntLogAnalyticsScope string = ''

// ---------------------------------------------------------------------------------------------------
// Fan-out (src/fanout/config.ts FANOUT_SETTINGS): many workspaces through a Storage Queue
// ---------------------------------------------------------------------------------------------------

@description('HUNT_WORKSPACES: workspaces hunted through the queue, each {name, resourceId, workspaceId, target, rulesPath}. A resource id may be in another resource group or subscription (Azure Lighthouse delegations included); each workspace gets Log Analytics Reader. Empty: the single-workspace hunt of sentinelWorkspaceResourceId.')
param huntWorkspaces array = []

@description('HUNT_WORKSPACES_PATH: a JSON file in the app holding the workspaces instead (relative to the app root). Empty: none.')
param huntWorkspacesPath string = ''

@description('HUNT_QUEUE_NAME: the queue of hunt batches (the poison queue is <name>-poison). Created by this template.')
@minLength(3)
@maxLength(57)
param huntQueueName string = 'sigma-hunt-batches'

@description('HUNT_BATCH_RULES: rules of one source per queue message (1..500).')
param huntBatchRules string = '200'

@description('HUNT_QUERY_SLOTS: Log Analytics queries in flight at once across all instances (1..5; the service allows 5 per identity).')
param huntQuerySlots string = '5'

@description('HUNT_SLOTS_TABLE: table of the query-slot leases and the shared 429 pause (created by the app).')
param huntSlotsTable string = 'SigmaHuntQuerySlots'

// ---------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var allTags = union(tags, { 'azd-env-name': environmentName })
var names = {
  identity: 'id-sigmahunt-${resourceToken}'
  storage: 'stsh${resourceToken}' // 3-24 lower-case letters and digits
  logAnalytics: 'log-sigmahunt-${resourceToken}'
  applicationInsights: 'appi-sigmahunt-${resourceToken}'
  plan: 'plan-sigmahunt-${resourceToken}'
  functionApp: 'func-sigmahunt-${resourceToken}'
}
var deploymentContainerName = 'app-package'

// /subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.OperationalInsights/workspaces/{2}
var sentinelWorkspaceIdSegments = split(sentinelWorkspaceResourceId, '/')
var sentinelSubscriptionId = sentinelWorkspaceIdSegments[2]
var sentinelResourceGroupName = sentinelWorkspaceIdSegments[4]
var sentinelWorkspaceName = last(sentinelWorkspaceIdSegments)

// ---------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------

// Read only for its customerId (the GUID the query API takes), wherever the workspace lives.
resource sentinelWorkspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: sentinelWorkspaceName
  scope: resourceGroup(sentinelSubscriptionId, sentinelResourceGroupName)
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: allTags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: allTags
    deploymentContainerName: deploymentContainerName
    incidentsTableName: huntIncidentsTable
    checkpointsTableName: huntCheckpointsTable
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: allTags
  }
}

module rbacStorage 'app/rbac-storage.bicep' = {
  name: 'rbac-storage'
  params: {
    storageAccountName: storage.outputs.name
    principalId: identity.outputs.principalId
  }
}

module rbacMonitoring 'app/rbac-monitoring.bicep' = {
  name: 'rbac-monitoring'
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
  }
}

// Deployed into the workspace's resource group: a role assignment can only be created from a deployment at or
// above its scope. The deployment name carries the token so that two environments sharing one workspace group
// do not overwrite each other's deployment record.
module rbacWorkspace 'app/rbac-workspace.bicep' = {
  name: 'sigmahunt-rbac-workspace-${resourceToken}'
  scope: resourceGroup(sentinelSubscriptionId, sentinelResourceGroupName)
  params: {
    workspaceName: sentinelWorkspaceName
    principalId: identity.outputs.principalId
  }
}

module queues 'app/queues.bicep' = {
  name: 'queues'
  params: {
    storageAccountName: storage.outputs.name
    queueName: huntQueueName
  }
}

module rbacQueue 'app/rbac-queue.bicep' = {
  name: 'rbac-queue'
  params: {
    storageAccountName: storage.outputs.name
    principalId: identity.outputs.principalId
  }
}

// Log Analytics Reader on every fan-out workspace, each from a deployment into its own resource group (which may
// be in another subscription), as for the Sentinel workspace above.
module rbacHuntWorkspaces 'app/rbac-workspace.bicep' = [
  for workspace in huntWorkspaces: {
    name: 'sigmahunt-rbac-${resourceToken}-${uniqueString(workspace.resourceId)}'
    scope: resourceGroup(split(workspace.resourceId, '/')[2], split(workspace.resourceId, '/')[4])
    params: {
      workspaceName: last(split(workspace.resourceId, '/'))
      principalId: identity.outputs.principalId
    }
  }
]

var huntSettings = {
  LOG_ANALYTICS_WORKSPACE_ID: sentinelWorkspace.properties.customerId
  HUNT_STORAGE_TABLE_ENDPOINT: storage.outputs.tableServiceUri
  HUNT_SCHEDULE: huntSchedule
  HUNT_TARGET: huntTarget
  HUNT_LOOKBACK: huntLookback
  HUNT_INGESTION_DELAY: huntIngestionDelay
  HUNT_SAFETY_LAG: huntSafetyLag
  HUNT_MAX_WINDOW: huntMaxWindow
  HUNT_PAGE_ROWS: huntPageRows
  HUNT_GROUPING_WINDOW: huntGroupingWindow
  HUNT_RUN_BUDGET: huntRunBudget
  HUNT_ROW_LIMIT_MS: huntRowLimitMs
  HUNT_LOG_EVENT_VALUES: huntLogEventValues
  HUNT_INCIDENTS_TABLE: huntIncidentsTable
  HUNT_CHECKPOINTS_TABLE: huntCheckpointsTable
  HUNT_RULES_PATH: huntRulesPath
  HUNT_PLACEHOLDERS_PATH: huntPlaceholdersPath
  HUNT_KQL_OVERRIDES_PATH: huntKqlOverridesPath
  HUNT_LOG_ANALYTICS_ENDPOINT: huntLogAnalyticsEndpoint
  HUNT_LOG_ANALYTICS_SCOPE: huntLogAnalyticsScope
  HUNT_WORKSPACES: empty(huntWorkspaces) ? '' : string(huntWorkspaces)
  HUNT_WORKSPACES_PATH: huntWorkspacesPath
  HUNT_QUEUE_NAME: queues.outputs.queueName
  HUNT_BATCH_RULES: huntBatchRules
  HUNT_QUERY_SLOTS: huntQuerySlots
  HUNT_SLOTS_TABLE: huntSlotsTable
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: union(allTags, { 'azd-service-name': 'hunt' })
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    blobServiceUri: storage.outputs.blobServiceUri
    tableServiceUri: storage.outputs.tableServiceUri
    queueServiceUri: queues.outputs.queueServiceUri
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    huntSettings: huntSettings
  }
  // The app starts with its access in place instead of failing its first runs while RBAC catches up.
  dependsOn: [
    rbacStorage
    rbacMonitoring
    rbacWorkspace
    rbacQueue
    rbacHuntWorkspaces
  ]
}

// ---------------------------------------------------------------------------------------------------
// Outputs (azd stores them in the environment's .env)
// ---------------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_HUNT_NAME string = functionApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output HUNT_INCIDENTS_TABLE_URL string = storage.outputs.incidentsTableUrl
output HUNT_CHECKPOINTS_TABLE_URL string = storage.outputs.checkpointsTableUrl
output SENTINEL_WORKSPACE_ROLE_ASSIGNMENT_ID string = rbacWorkspace.outputs.roleAssignmentId
