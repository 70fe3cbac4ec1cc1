// sigma-hunt: a timer-triggered function app that hunts in Microsoft Sentinel workspaces, writes incidents to
// Table Storage and (sentinelWriteBack) back into the workspace through the Logs Ingestion API. Deployed into one
// resource group; what it touches in the workspace's resource group, each behind a switch: the Log Analytics
// Reader role assignment (assignWorkspaceRole), the two custom tables (sentinelWriteBack) and the analytics rule
// (sentinelAnalyticsRule). azure.yaml's predown hook removes the role assignment and the rule. Each fan-out
// workspace (huntWorkspaces) gets a Log Analytics Reader role assignment in its own resource group.
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

// Flex Consumption documents a maximum instance count from 40 to 1000 (some regions and older documentation:
// nothing below 40) and instance memory of 512, 2048 or 4096 MB.
@description('Upper bound of Flex Consumption instances (40..1000). The timer runs on one instance at a time; the bound only caps cost if triggers are added.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each Flex Consumption instance in MB: 512, 2048 or 4096. A run of the default pack pages within 512 MB (README, "The hunt").')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('true: create the Log Analytics Reader role assignment on the workspace (needs the right to assign roles there and to deploy into its resource group). false: create nothing there; the output SENTINEL_WORKSPACE_ROLE_COMMAND is the exact `az role assignment create` for the workspace owner to run.')
param assignWorkspaceRole bool = true

@description('true: write incidents and hits back to the workspace (custom tables SigmaHuntIncidents_CL and SigmaHuntHits_CL in the workspace\'s resource group, a data collection endpoint and rule in this group, Monitoring Metrics Publisher on the rule for the app).')
param sentinelWriteBack bool = true

@description('true (with sentinelWriteBack): a Sentinel scheduled analytics rule that raises Sentinel incidents from SigmaHuntIncidents_CL (needs Microsoft Sentinel Contributor on the workspace).')
param sentinelAnalyticsRule bool = false

@description('true (with sentinelWriteBack): a Sentinel workbook of the incidents by rule, severity and host over time (in this group).')
param sentinelWorkbook bool = false

@description('true: private-network mode as in Microsoft\'s Flex Consumption quickstart: a virtual network, VNet integration of the app, private endpoints for the storage blob and table services, public network access to storage off.')
param privateNetworking bool = false

// ---------------------------------------------------------------------------------------------------
// Hunt settings (see src/hunt/config.ts). An empty string leaves the setting to the code's default.
// ---------------------------------------------------------------------------------------------------

// Not empty: the Functions host resolves %HUNT_SCHEDULE% itself, so the code's default never applies to the timer.
@description('HUNT_SCHEDULE: NCRONTAB schedule of the hunt, 6 fields {second} {minute} {hour} {day} {month} {day-of-week}, in UTC.')
@minLength(1)
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
// Review for SOC leads (src/review, infra/app/review-auth.bicep). Every API request needs an Entra access token
// with the app role Incidents.Read or Incidents.Triage; the code validates it (Flex Consumption has no App
// Service Authentication).
// ---------------------------------------------------------------------------------------------------

@description('REVIEW_CLIENT_ID: client id of the review app registration (infra/README.md, "Review: sign-in and app roles"). Empty: the review API refuses every request (not configured) and never serves data.')
param reviewClientId string = ''

@description('REVIEW_AUDIENCE: accepted token audiences, comma-separated (the registration\'s app ID URI and client id). Empty: the client id.')
param reviewAudience string = ''

@description('REVIEW_SCOPE: the delegated scope the page asks for. Empty: <first audience>/Incidents.Access.')
param reviewScope string = ''

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

@description('HUNT_SLOTS_TABLE: table of the query-slot leases and the shared 429 pause. Created by this template.')
@minLength(3)
@maxLength(63)
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
  dataCollectionEndpoint: 'dce-sigmahunt-${resourceToken}'
  dataCollectionRule: 'dcr-sigmahunt-${resourceToken}'
  virtualNetwork: 'vnet-sigmahunt-${resourceToken}'
  workbook: guid(resourceGroup().id, environmentName, 'sigma-hunt workbook')
  analyticsRule: guid(sentinelWorkspaceResourceId, resourceGroup().id, environmentName, 'sigma-hunt analytics rule')
}
var deploymentContainerName = 'app-package'

// Log Analytics Reader, granted on the workspace by app/rbac-workspace.bicep (or by the owner: SENTINEL_WORKSPACE_ROLE_COMMAND).
var logAnalyticsReaderRoleId = '73c42c96-874c-492b-b04d-ab87d138a893'

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
    slotsTableName: huntSlotsTable
    privateNetworking: privateNetworking
  }
}

module network 'app/network.bicep' = if (privateNetworking) {
  name: 'network'
  params: {
    name: names.virtualNetwork
    location: location
    tags: allTags
    storageAccountName: storage.outputs.name
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
module rbacWorkspace 'app/rbac-workspace.bicep' = if (assignWorkspaceRole) {
  name: 'sigmahunt-rbac-workspace-${resourceToken}'
  scope: resourceGroup(sentinelSubscriptionId, sentinelResourceGroupName)
  params: {
    workspaceName: sentinelWorkspaceName
    principalId: identity.outputs.principalId
  }
}

// Write-back to Sentinel. The tables live in the workspace (its resource group); the DCE and DCR in this group,
// in the workspace's region (a DCR sends only to a workspace of its region).
module sentinelTables 'app/sentinel-tables.bicep' = if (sentinelWriteBack) {
  name: 'sigmahunt-sentinel-tables-${resourceToken}'
  scope: resourceGroup(sentinelSubscriptionId, sentinelResourceGroupName)
  params: {
    workspaceName: sentinelWorkspaceName
  }
}

module sentinelIngestion 'app/sentinel-ingestion.bicep' = if (sentinelWriteBack) {
  name: 'sentinel-ingestion'
  params: {
    endpointName: names.dataCollectionEndpoint
    ruleName: names.dataCollectionRule
    location: sentinelWorkspace.location
    tags: allTags
    workspaceResourceId: sentinelWorkspace.id
    principalId: identity.outputs.principalId
  }
  // The DCR's data flows name the tables: they must exist first.
  dependsOn: [
    sentinelTables
  ]
}

module sentinelAnalytics 'app/sentinel-analytics.bicep' = if (sentinelWriteBack && sentinelAnalyticsRule) {
  name: 'sigmahunt-sentinel-analytics-${resourceToken}'
  scope: resourceGroup(sentinelSubscriptionId, sentinelResourceGroupName)
  params: {
    workspaceName: sentinelWorkspaceName
    ruleName: names.analyticsRule
  }
  // The rule's query reads SigmaHuntIncidents_CL, which must exist when the rule is validated.
  dependsOn: [
    sentinelTables
  ]
}

module sentinelWorkbookModule 'app/sentinel-workbook.bicep' = if (sentinelWriteBack && sentinelWorkbook) {
  name: 'sentinel-workbook'
  params: {
    name: names.workbook
    location: location
    tags: allTags
    workspaceResourceId: sentinelWorkspace.id
  }
  dependsOn: [
    sentinelTables
  ]
}

// Read by src/sentinel/config.ts (SENTINEL_SETTINGS); both empty: write-back off.
var sentinelSettings = {
  SENTINEL_INGESTION_ENDPOINT: sentinelWriteBack ? sentinelIngestion.outputs.logsIngestionEndpoint : ''
  SENTINEL_DCR_IMMUTABLE_ID: sentinelWriteBack ? sentinelIngestion.outputs.ruleImmutableId : ''
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

module reviewAuth 'app/review-auth.bicep' = {
  name: 'review-auth'
  params: {
    clientId: reviewClientId
    audience: reviewAudience
    scope: reviewScope
    workspaceResourceId: sentinelWorkspaceResourceId
  }
}

// Keys as the code reads them (src/review/setup.ts REVIEW_SETTING_NAMES); values from review-auth.bicep.
var reviewSettings = {
  REVIEW_AUTH: reviewAuth.outputs.appSettings.REVIEW_AUTH
  REVIEW_TENANT_ID: reviewAuth.outputs.appSettings.REVIEW_TENANT_ID
  REVIEW_CLIENT_ID: reviewAuth.outputs.appSettings.REVIEW_CLIENT_ID
  REVIEW_AUDIENCE: reviewAuth.outputs.appSettings.REVIEW_AUDIENCE
  REVIEW_SCOPE: reviewAuth.outputs.appSettings.REVIEW_SCOPE
  REVIEW_WORKSPACE_RESOURCE_ID: reviewAuth.outputs.appSettings.REVIEW_WORKSPACE_RESOURCE_ID
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
    virtualNetworkSubnetId: privateNetworking ? network.outputs.appSubnetId : ''
    huntSettings: union(huntSettings, sentinelSettings, reviewSettings)
  }
  // The app starts with its access in place instead of failing its first runs while RBAC catches up.
  dependsOn: [
    rbacStorage
    rbacMonitoring
    rbacWorkspace
    sentinelIngestion
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
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output HUNT_INCIDENTS_TABLE_URL string = storage.outputs.incidentsTableUrl
output HUNT_CHECKPOINTS_TABLE_URL string = storage.outputs.checkpointsTableUrl
// The cross-group role assignment: its id for azure.yaml's predown hook, or, when assignWorkspaceRole is off, the
// command the workspace owner runs to grant it.
output SENTINEL_WORKSPACE_ROLE_ASSIGNMENT_ID string = assignWorkspaceRole ? rbacWorkspace.outputs.roleAssignmentId : ''
output SENTINEL_WORKSPACE_ROLE_COMMAND string = assignWorkspaceRole ? '' : 'az role assignment create --assignee-object-id ${identity.outputs.principalId} --assignee-principal-type ServicePrincipal --role ${logAnalyticsReaderRoleId} --scope ${sentinelWorkspaceResourceId}'
output SENTINEL_INGESTION_ENDPOINT string = sentinelWriteBack ? sentinelIngestion.outputs.logsIngestionEndpoint : ''
output SENTINEL_DCR_IMMUTABLE_ID string = sentinelWriteBack ? sentinelIngestion.outputs.ruleImmutableId : ''
output SENTINEL_ANALYTICS_RULE_ID string = sentinelWriteBack && sentinelAnalyticsRule ? sentinelAnalytics.outputs.ruleResourceId : ''
output REVIEW_PAGE_URL string = 'https://${functionApp.outputs.defaultHostName}/api/review/'
