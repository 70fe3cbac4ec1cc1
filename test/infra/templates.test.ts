import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FANOUT_SETTINGS, parseFanoutConfig } from '../../src/fanout/config.js';
import { HUNT_SETTINGS as SINGLE_HUNT_SETTINGS, parseHuntConfig } from '../../src/hunt/config.js';
import { REVIEW_SETTING_NAMES } from '../../src/review/setup.js';
import { SENTINEL_SETTINGS } from '../../src/sentinel/config.js';
import { TARGET_NAMES } from '../../src/targets/types.js';
import { projectRoot } from '../support/paths.js';
import {
  allCalls,
  allStrings,
  arrayLiterals,
  call,
  evaluate,
  listBicepFiles,
  literal,
  moduleOutputReferences,
  modules,
  objectKeys,
  outputs,
  params,
  parseBicepFile,
  parseBicepSource,
  property,
  resources,
  stringLiteral,
  syntaxProblems,
  targetScope,
  variables,
  type BicepFile,
  type ResourceDeclaration,
  type SyntaxNode,
} from './bicep-tree.js';

const infraRoot = path.join(projectRoot, 'infra');
/** Every setting the code reads: the hunt's and the fan-out's (AzureWebJobsStorage__queueServiceUri is both
 *  the queue trigger's and the planner's). */
const HUNT_SETTINGS = [...SINGLE_HUNT_SETTINGS, ...FANOUT_SETTINGS.filter((setting) => !SINGLE_HUNT_SETTINGS.some((single) => single.name === setting.name))];
const bicepPaths = listBicepFiles(infraRoot);
const files = new Map<string, BicepFile>(bicepPaths.map((filePath) => [filePath, parseBicepFile(filePath)]));
const fileAt = (relative: string): BicepFile => {
  const file = files.get(path.join(infraRoot, relative));
  if (!file) throw new Error(`infra/${relative} is missing`);
  return file;
};
const relativeName = (file: BicepFile): string => path.relative(projectRoot, file.path);
const allResources = [...files.values()].flatMap((file) => resources(file));

const mainFile = fileAt('main.bicep');
const functionAppFile = fileAt('app/function-app.bicep');

// ---------------------------------------------------------------------------------------------------
// Settings: what the app settings resource ends up holding, followed through union(), variables and the
// module parameter that main.bicep binds.
// ---------------------------------------------------------------------------------------------------

interface SettingValue {
  file: BicepFile;
  node: SyntaxNode;
}

function moduleBindings(callee: BicepFile): Map<string, SettingValue> {
  const bindings = new Map<string, SettingValue>();
  for (const caller of files.values()) {
    for (const declaration of modules(caller)) {
      if (declaration.resolvedPath !== callee.path) continue;
      const paramsObject = property(declaration.body, 'params');
      for (const key of paramsObject ? objectKeys(paramsObject) : []) bindings.set(key, { file: caller, node: property(paramsObject, key)! });
    }
  }
  return bindings;
}

function settingsOf(file: BicepFile, node: SyntaxNode): Map<string, SettingValue> {
  if (node.type === 'object') {
    return new Map(objectKeys(node).map((key) => [key, { file, node: property(node, key)! }]));
  }
  const invocation = call(node);
  if (invocation?.callee === 'union') {
    const merged = new Map<string, SettingValue>();
    for (const argument of invocation.args) for (const [key, value] of settingsOf(file, argument)) merged.set(key, value);
    return merged;
  }
  if (node.type === 'identifier') {
    const variable = variables(file).get(node.text);
    if (variable) return settingsOf(file, variable);
    const bound = moduleBindings(file).get(node.text);
    if (bound && params(file).has(node.text)) return settingsOf(bound.file, bound.node);
  }
  throw new Error(`${relativeName(file)}: cannot follow app settings through ${node.type} ${node.text.slice(0, 60)}`);
}

const appSettingsResource = resources(functionAppFile).find(
  (resource) => resource.type === 'Microsoft.Web/sites/config' && literal(property(resource.body, 'name')) === 'appsettings',
);
const providedSettings = appSettingsResource ? settingsOf(functionAppFile, property(appSettingsResource.body, 'properties')!) : new Map<string, SettingValue>();

/** Settings the Functions platform reads, not the hunt. */
const PLATFORM_SETTINGS = new Set([
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'AZURE_CLIENT_ID',
]);

function mainParamBehind(setting: string): string | undefined {
  const value = providedSettings.get(setting);
  if (!value || value.file !== mainFile || value.node.type !== 'identifier') return undefined;
  return params(mainFile).has(value.node.text) ? value.node.text : undefined;
}

describe('Bicep syntax (tree-sitter-bicep)', () => {
  it('finds the main template and its modules', () => {
    expect(bicepPaths.map((filePath) => path.relative(infraRoot, filePath))).toEqual([
      'app/function-app.bicep',
      'app/identity.bicep',
      'app/monitoring.bicep',
      'app/network.bicep',
      'app/queues.bicep',
      'app/rbac-monitoring.bicep',
      'app/rbac-queue.bicep',
      'app/rbac-storage.bicep',
      'app/rbac-workspace.bicep',
      'app/review-auth.bicep',
      'app/sentinel-analytics.bicep',
      'app/sentinel-ingestion.bicep',
      'app/sentinel-tables.bicep',
      'app/sentinel-workbook.bicep',
      'app/storage.bicep',
      'main.bicep',
    ]);
  });

  it.each(bicepPaths.map((filePath) => [path.relative(projectRoot, filePath)]))('%s has no ERROR or MISSING node', (relative) => {
    expect(syntaxProblems(files.get(path.join(projectRoot, relative))!)).toEqual([]);
  });

  it('reports a template with an unclosed object as a syntax problem', () => {
    const broken = parseBicepSource("resource a 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n  properties: {\n");
    expect(syntaxProblems(broken).length).toBeGreaterThan(0);
  });

  it('reports a parameter without a type as a syntax problem', () => {
    expect(syntaxProblems(parseBicepSource("param huntSchedule = '0 */5 * * * *'\n")).length).toBeGreaterThan(0);
  });
});

describe('app settings against src/hunt/config.ts HUNT_SETTINGS', () => {
  it('has one appsettings resource on the function app', () => {
    expect(appSettingsResource).toBeDefined();
    expect(providedSettings.size).toBeGreaterThan(10);
  });

  it('provides every setting the code requires in Azure, with a value that is not empty', () => {
    const required = HUNT_SETTINGS.filter((setting) => setting.required === 'azure').map((setting) => setting.name);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) {
      const value = providedSettings.get(name);
      expect(value, name).toBeDefined();
      expect(literal(value!.node), name).not.toBe('');
    }
  });

  it('provides every setting the code reads, so each one is visible and changeable in the template', () => {
    const missing = HUNT_SETTINGS.map((setting) => setting.name).filter((name) => !providedSettings.has(name));
    expect(missing).toEqual([]);
  });

  it('provides no setting the code does not read (no misspelt HUNT_* name)', () => {
    const known = new Set([...[...HUNT_SETTINGS, ...SENTINEL_SETTINGS].map((setting) => setting.name), ...REVIEW_SETTING_NAMES]);
    const unknown = [...providedSettings.keys()].filter((name) => !known.has(name) && !PLATFORM_SETTINGS.has(name));
    expect(unknown).toEqual([]);
  });

  it('gives each settable hunt parameter the default the code has, or empty to leave the code default', () => {
    let compared = 0;
    for (const setting of HUNT_SETTINGS) {
      const paramName = mainParamBehind(setting.name);
      if (!paramName) continue;
      const defaultValue = literal(params(mainFile).get(paramName)!.defaultValue);
      expect(defaultValue, `${paramName} → ${setting.name}`).toBe(setting.default ?? '');
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(14);
  });

  it('names the app setting in the description of each hunt parameter', () => {
    for (const setting of HUNT_SETTINGS) {
      const paramName = mainParamBehind(setting.name);
      if (!paramName) continue;
      const description = params(mainFile).get(paramName)!.decorators.get('description')?.[0];
      expect(description && stringLiteral(description), paramName).toMatch(new RegExp(`^${setting.name}: `));
    }
  });

  it('accepts exactly the targets the code knows for huntTarget', () => {
    const allowed = params(mainFile).get('huntTarget')!.decorators.get('allowed')?.[0];
    expect(arrayLiterals(allowed)).toEqual([...TARGET_NAMES]);
  });

  it('hands the code a configuration it accepts when every parameter keeps its default', () => {
    const env: Record<string, string> = {
      LOG_ANALYTICS_WORKSPACE_ID: '0f8fad5b-d9cb-469f-a165-70867728950e',
      HUNT_STORAGE_TABLE_ENDPOINT: 'https://sthunt.table.core.windows.net',
      AzureWebJobsStorage__tableServiceUri: 'https://sthunt.table.core.windows.net',
      AZURE_CLIENT_ID: '6e3a2b41-0c3f-4d8e-9a57-0b1c2d3e4f50',
    };
    for (const name of providedSettings.keys()) {
      const paramName = mainParamBehind(name);
      if (paramName) env[name] = String(literal(params(mainFile).get(paramName)!.defaultValue));
    }
    const config = parseHuntConfig(env, { environment: 'azure', appRoot: '/home/site/wwwroot' });
    expect(config.schedule).toBe('0 */5 * * * *');
    expect(config.rulesPath).toBe(path.join('/home/site/wwwroot', 'rules'));
    // With a workspace list (what string(huntWorkspaces) gives), the fan-out's settings are accepted too.
    const workspaces = [{ name: 'customer-a', resourceId: '/subscriptions/99999999-2222-3333-4444-555555555555/resourceGroups/rg-a/providers/Microsoft.OperationalInsights/workspaces/law-a', workspaceId: '1f8fad5b-d9cb-469f-a165-70867728950e', target: 'asim', rulesPath: 'rules' }];
    const fanout = parseFanoutConfig({ ...env, HUNT_QUEUE_NAME: String(literal(params(mainFile).get('huntQueueName')!.defaultValue)), HUNT_WORKSPACES: JSON.stringify(workspaces), AzureWebJobsStorage__queueServiceUri: 'https://sthunt.queue.core.windows.net' }, { environment: 'azure', appRoot: '/home/site/wwwroot' });
    expect(fanout?.workspaces.map((workspace) => workspace.name)).toEqual(['customer-a']);
  });

  it('sets LOG_ANALYTICS_WORKSPACE_ID to the customerId of the existing Sentinel workspace, not its name or resource id', () => {
    const value = providedSettings.get('LOG_ANALYTICS_WORKSPACE_ID')!;
    expect(value.node.type).toBe('member_expression');
    expect(value.node.text).toMatch(/^(\w+)\.properties\.customerId$/);
    const symbol = value.node.text.split('.')[0];
    const workspace = resources(value.file).find((resource) => resource.symbol === symbol)!;
    expect(workspace.type).toBe('Microsoft.OperationalInsights/workspaces');
    expect(workspace.existing).toBe(true);
  });

  it('reads the Sentinel workspace from the subscription, group and name segments of its resource id', () => {
    const workspace = resources(mainFile).find((resource) => resource.type === 'Microsoft.OperationalInsights/workspaces' && resource.existing)!;
    const scope = call(property(workspace.body, 'scope'));
    expect(scope?.callee).toBe('resourceGroup');
    const given = {
      sentinelWorkspaceResourceId:
        '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/law-sentinel',
    };
    expect(scope!.args.map((argument) => evaluate(mainFile, argument, given))).toEqual(['11111111-2222-3333-4444-555555555555', 'rg-soc']);
    expect(evaluate(mainFile, property(workspace.body, 'name')!, given)).toBe('law-sentinel');
  });

  it('creates the same incidents, checkpoints and query-slots tables the app is told to use', () => {
    const storageModule = modules(mainFile).find((declaration) => declaration.modulePath === 'app/storage.bicep')!;
    const storageParams = property(storageModule.body, 'params');
    expect(property(storageParams, 'incidentsTableName')?.text).toBe(mainParamBehind('HUNT_INCIDENTS_TABLE'));
    expect(property(storageParams, 'checkpointsTableName')?.text).toBe(mainParamBehind('HUNT_CHECKPOINTS_TABLE'));
    expect(property(storageParams, 'slotsTableName')?.text).toBe(mainParamBehind('HUNT_SLOTS_TABLE'));
    const storageFile = fileAt('app/storage.bicep');
    expect(outputs(storageFile).get('slotsTableUrl')?.text).toBe("'${tableServiceUri}/${slotsTable.name}'");
  });

  it('authenticates host storage and App Insights with the managed identity', () => {
    expect(literal(providedSettings.get('AzureWebJobsStorage__credential')?.node)).toBe('managedidentity');
    const authentication = providedSettings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')!.node;
    expect(authentication.text).toBe("'ClientId=${identityClientId};Authorization=AAD'");
    expect(providedSettings.get('AZURE_CLIENT_ID')?.node.text).toBe('identityClientId');
    expect(providedSettings.get('AzureWebJobsStorage__clientId')?.node.text).toBe('identityClientId');
  });
});

// ---------------------------------------------------------------------------------------------------
// Role assignments
// ---------------------------------------------------------------------------------------------------

const ALLOWED_ROLES = new Map([
  ['73c42c96-874c-492b-b04d-ab87d138a893', { role: 'Log Analytics Reader', scopeTypes: ['Microsoft.OperationalInsights/workspaces'] }],
  ['0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', { role: 'Storage Table Data Contributor', scopeTypes: ['Microsoft.Storage/storageAccounts'] }],
  ['b7e6dc6d-f1e8-4753-8033-0f276bb0955b', { role: 'Storage Blob Data Owner', scopeTypes: ['Microsoft.Storage/storageAccounts'] }],
  ['3913510d-42f4-4e42-8a64-420c390055eb', { role: 'Monitoring Metrics Publisher', scopeTypes: ['Microsoft.Insights/components', 'Microsoft.Insights/dataCollectionRules'] }],
  ['974c5e8b-45b9-4653-ba55-5f855dd0fb88', { role: 'Storage Queue Data Contributor', scopeTypes: ['Microsoft.Storage/storageAccounts'] }],
]);

interface RoleAssignment {
  resource: ResourceDeclaration;
  roleId: string;
  roleIdSymbol: string;
  scopeResource?: ResourceDeclaration;
}

function readRoleAssignment(resource: ResourceDeclaration): RoleAssignment {
  const definition = call(property(resource.body, 'properties.roleDefinitionId'));
  if (definition?.callee !== 'subscriptionResourceId' || literal(definition.args[0]) !== 'Microsoft.Authorization/roleDefinitions') {
    throw new Error(`${relativeName(resource.file)} ${resource.symbol}: roleDefinitionId is not subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <id>)`);
  }
  const roleIdNode = definition.args[1]!;
  const roleIdValue = roleIdNode.type === 'identifier' ? variables(resource.file).get(roleIdNode.text) : roleIdNode;
  const scopeSymbol = property(resource.body, 'scope')?.text;
  return {
    resource,
    roleId: String(literal(roleIdValue)),
    roleIdSymbol: roleIdNode.text,
    ...(scopeSymbol ? { scopeResource: resources(resource.file).find((candidate) => candidate.symbol === scopeSymbol) } : {}),
  };
}

const roleAssignmentResources = allResources.filter((resource) => resource.type === 'Microsoft.Authorization/roleAssignments');

describe('role assignments', () => {
  it('are exactly six, of the allowed roles, none conditional or in a loop inside its module', () => {
    expect(roleAssignmentResources).toHaveLength(6);
    expect(roleAssignmentResources.every((resource) => resource.body !== undefined && resource.condition === undefined && !resource.loop)).toBe(true);
    expect(new Set(roleAssignmentResources.map((resource) => readRoleAssignment(resource).roleId))).toEqual(new Set(ALLOWED_ROLES.keys()));
  });

  it.each(roleAssignmentResources.map((resource) => [`${relativeName(resource.file)} ${resource.symbol}`, resource] as const))(
    '%s grants an allowed role on the one resource that role is allowed on',
    (_label, resource) => {
      const assignment = readRoleAssignment(resource);
      const allowed = ALLOWED_ROLES.get(assignment.roleId);
      expect(allowed, assignment.roleId).toBeDefined();
      expect(assignment.scopeResource, 'scope is a resource declared in the same file').toBeDefined();
      expect(allowed!.scopeTypes).toContain(assignment.scopeResource!.type);
    },
  );

  it.each(roleAssignmentResources.map((resource) => [`${relativeName(resource.file)} ${resource.symbol}`, resource] as const))(
    '%s has a deterministic name guid(scope, principal, role) and a service principal',
    (_label, resource) => {
      const assignment = readRoleAssignment(resource);
      const name = call(property(resource.body, 'name'));
      expect(name?.callee).toBe('guid');
      expect(name!.args.map((argument) => argument.text)).toEqual([`${assignment.scopeResource!.symbol}.id`, 'principalId', assignment.roleIdSymbol]);
      expect(property(resource.body, 'properties.principalId')?.text).toBe('principalId');
      expect(literal(property(resource.body, 'properties.principalType'))).toBe('ServicePrincipal');
    },
  );

  it('grants Log Analytics Reader from a module deployed into the workspace resource group, on the workspace only', () => {
    const workspaceFile = fileAt('app/rbac-workspace.bicep');
    const [assignment] = resources(workspaceFile).filter((resource) => resource.type === 'Microsoft.Authorization/roleAssignments');
    expect(readRoleAssignment(assignment!).scopeResource?.existing).toBe(true);
    const declaration = modules(mainFile).find((candidate) => candidate.resolvedPath === workspaceFile.path)!;
    const scope = call(property(declaration.body, 'scope'));
    expect(scope?.callee).toBe('resourceGroup');
    const sentinel = resources(mainFile).find((resource) => resource.type === 'Microsoft.OperationalInsights/workspaces')!;
    expect(property(declaration.body, 'scope')!.text).toBe(property(sentinel.body, 'scope')!.text);
    expect(property(property(declaration.body, 'params'), 'workspaceName')!.text).toBe(property(sentinel.body, 'name')!.text);
  });

  it('grants Log Analytics Reader on every fan-out workspace with the same module, once per listed workspace, in its own subscription and group', () => {
    const workspaceFile = fileAt('app/rbac-workspace.bicep');
    const loops = modules(mainFile).filter((candidate) => candidate.resolvedPath === workspaceFile.path && candidate.loop);
    expect(loops).toHaveLength(1);
    const loop = loops[0]!;
    expect(loop.loop!.over).toBe('huntWorkspaces');
    const item = loop.loop!.item;
    const resourceId = '/subscriptions/99999999-2222-3333-4444-555555555555/resourceGroups/rg-customer/providers/Microsoft.OperationalInsights/workspaces/law-customer';
    const text = (node: SyntaxNode) => node.text.replaceAll(`${item}.resourceId`, `'${resourceId}'`);
    const scope = call(property(loop.body, 'scope'));
    expect(scope?.callee).toBe('resourceGroup');
    // split(resourceId, '/')[2] and [4]: the subscription and the resource group of each workspace.
    expect(scope!.args.map(text)).toEqual([`split('${resourceId}', '/')[2]`, `split('${resourceId}', '/')[4]`]);
    expect(resourceId.split('/')[2]).toBe('99999999-2222-3333-4444-555555555555');
    expect(resourceId.split('/')[4]).toBe('rg-customer');
    expect(text(property(property(loop.body, 'params'), 'workspaceName')!)).toBe(`last(split('${resourceId}', '/'))`);
    expect(property(loop.body, 'name')!.text).toContain(`uniqueString(${item}.resourceId)`);
  });

  it('grants the queue role on the app storage account, and the queue trigger connects with the identity', () => {
    const declaration = modules(mainFile).find((candidate) => candidate.modulePath === 'app/rbac-queue.bicep')!;
    expect(property(property(declaration.body, 'params'), 'storageAccountName')?.text).toBe('storage.outputs.name');
    expect(providedSettings.get('AzureWebJobsStorage__queueServiceUri')?.node.text).toBe('queueServiceUri');
    expect(property(property(modules(mainFile).find((candidate) => candidate.modulePath === 'app/function-app.bicep')!.body, 'params'), 'queueServiceUri')?.text).toBe('queues.outputs.queueServiceUri');
    const queueFile = fileAt('app/queues.bicep');
    const queues = resources(queueFile).filter((resource) => resource.type === 'Microsoft.Storage/storageAccounts/queueServices/queues');
    expect(queues.map((resource) => property(resource.body, 'name')!.text)).toEqual(['queueName', "'${queueName}-poison'"]);
    expect(outputs(queueFile).get('queueServiceUri')?.text).toBe("'https://${storageAccount.name}.queue.${environment().suffixes.storage}'");
  });

  it('gives every role assignment to the principal of the one user-assigned identity', () => {
    const granting = modules(mainFile).filter((candidate) => candidate.modulePath.startsWith('app/rbac-') || candidate.modulePath === 'app/sentinel-ingestion.bicep');
    expect(granting).toHaveLength(6);
    for (const declaration of granting) {
      expect(property(property(declaration.body, 'params'), 'principalId')?.text, declaration.symbol).toBe('identity.outputs.principalId');
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Hardening
// ---------------------------------------------------------------------------------------------------

function onlyResource(type: string, existing = false): ResourceDeclaration {
  const found = allResources.filter((resource) => resource.type === type && resource.existing === existing);
  expect(found, type).toHaveLength(1);
  return found[0]!;
}

describe('hardening', () => {
  it('locks the storage account to Entra ID over TLS 1.2 with no public blobs', () => {
    const storage = onlyResource('Microsoft.Storage/storageAccounts');
    expect(literal(property(storage.body, 'properties.allowSharedKeyAccess'))).toBe(false);
    expect(literal(property(storage.body, 'properties.defaultToOAuthAuthentication'))).toBe(true);
    expect(literal(property(storage.body, 'properties.minimumTlsVersion'))).toBe('TLS1_2');
    expect(literal(property(storage.body, 'properties.allowBlobPublicAccess'))).toBe(false);
    expect(literal(property(storage.body, 'properties.supportsHttpsTrafficOnly'))).toBe(true);
  });

  it('keeps the deployment container private', () => {
    const container = onlyResource('Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(literal(property(container.body, 'properties.publicAccess'))).toBe('None');
  });

  it('creates the incidents, checkpoints and query-slots tables', () => {
    expect(allResources.filter((resource) => resource.type === 'Microsoft.Storage/storageAccounts/tableServices/tables')).toHaveLength(3);
  });

  it('disables local (key) authentication on Application Insights and makes it workspace-based', () => {
    const insights = onlyResource('Microsoft.Insights/components');
    expect(literal(property(insights.body, 'properties.DisableLocalAuth'))).toBe(true);
    expect(property(insights.body, 'properties.WorkspaceResourceId')?.text).toMatch(/\.id$/);
  });

  it('runs the function app on Flex Consumption FC1, Linux', () => {
    const plan = onlyResource('Microsoft.Web/serverfarms');
    expect(literal(property(plan.body, 'sku.name'))).toBe('FC1');
    expect(literal(property(plan.body, 'sku.tier'))).toBe('FlexConsumption');
    expect(literal(property(plan.body, 'properties.reserved'))).toBe(true);
    const site = onlyResource('Microsoft.Web/sites');
    expect(literal(property(site.body, 'kind'))).toBe('functionapp,linux');
    expect(property(site.body, 'properties.serverFarmId')?.text).toBe(`${plan.symbol}.id`);
  });

  it('runs Node 22', () => {
    const site = onlyResource('Microsoft.Web/sites');
    expect(literal(property(site.body, 'properties.functionAppConfig.runtime.name'))).toBe('node');
    expect(literal(property(site.body, 'properties.functionAppConfig.runtime.version'))).toBe('22');
  });

  it('serves HTTPS only with TLS 1.2 and no FTP', () => {
    const site = onlyResource('Microsoft.Web/sites');
    expect(literal(property(site.body, 'properties.httpsOnly'))).toBe(true);
    expect(literal(property(site.body, 'properties.siteConfig.minTlsVersion'))).toBe('1.2');
    expect(literal(property(site.body, 'properties.siteConfig.ftpsState'))).toBe('Disabled');
  });

  it('refuses basic-auth publishing on both FTP and SCM', () => {
    const policies = allResources.filter((resource) => resource.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((policy) => literal(property(policy.body, 'name'))).sort()).toEqual(['ftp', 'scm']);
    for (const policy of policies) expect(literal(property(policy.body, 'properties.allow'))).toBe(false);
  });

  it('runs as the user-assigned identity and pulls its package with that identity', () => {
    const site = onlyResource('Microsoft.Web/sites');
    expect(literal(property(site.body, 'identity.type'))).toBe('UserAssigned');
    expect(literal(property(site.body, 'properties.functionAppConfig.deployment.storage.type'))).toBe('blobContainer');
    expect(literal(property(site.body, 'properties.functionAppConfig.deployment.storage.authentication.type'))).toBe('UserAssignedIdentity');
    expect(property(site.body, 'properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId')?.text).toBe('identityResourceId');
  });

  // Flex Consumption documents a maximum instance count of 40..1000 and instance memory of 512, 2048 or 4096 MB.
  it.each([mainFile, functionAppFile].map((file) => [relativeName(file), file] as const))('%s allows exactly the documented Flex Consumption instance counts (40..1000) and memory sizes (512, 2048, 4096)', (_name, file) => {
    const maximum = params(file).get('maximumInstanceCount')!;
    expect(literal(maximum.decorators.get('minValue')?.[0])).toBe(40);
    expect(literal(maximum.decorators.get('maxValue')?.[0])).toBe(1000);
    expect(literal(maximum.defaultValue)).toBe(40);
    const memory = params(file).get('instanceMemoryMB')!;
    expect(arrayLiterals(memory.decorators.get('allowed')?.[0])).toEqual([512, 2048, 4096]);
    expect(literal(memory.defaultValue)).toBe(2048);
  });

  it('caps scale-out with the maximum instance count and memory the parameters give', () => {
    const site = onlyResource('Microsoft.Web/sites');
    expect(property(site.body, 'properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount')?.text).toBe('maximumInstanceCount');
    expect(property(site.body, 'properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB')?.text).toBe('instanceMemoryMB');
  });

  it('refuses an empty schedule: the host resolves %HUNT_SCHEDULE% itself and the code default never applies', () => {
    expect(literal(params(mainFile).get('huntSchedule')!.decorators.get('minLength')?.[0])).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------------
// No secrets
// ---------------------------------------------------------------------------------------------------

const SECRET_MARKERS = /accountkey\s*=|sharedaccesskey\s*=|sharedaccesssignature\s*=|defaultendpointsprotocol\s*=|instrumentationkey\s*=|[?&]sig=/i;
const KEY_LIKE = /[A-Za-z0-9+/]{40,}={0,2}/;

function secretFindings(file: BicepFile): string[] {
  const findings: string[] = [];
  for (const { callee, node } of allCalls(file)) {
    if (/^list/i.test(callee.split('.').at(-1)!)) findings.push(`line ${node.startPosition.row + 1}: ${callee}()`);
  }
  for (const node of allStrings(file)) {
    const raw = node.text;
    if (SECRET_MARKERS.test(raw)) findings.push(`line ${node.startPosition.row + 1}: connection string or key marker in ${raw.slice(0, 60)}`);
    // Resource types (Microsoft.X/y@date) and URL-ish paths are not keys; a run of 40+ base64 characters is.
    const match = KEY_LIKE.exec(raw.replace(/Microsoft\.[A-Za-z]+\/[A-Za-z/]+@[\d-]+(-preview)?/g, ''));
    if (match && /[0-9]/.test(match[0]) && /[A-Z]/.test(match[0]) && /[a-z]/.test(match[0])) {
      findings.push(`line ${node.startPosition.row + 1}: key-like literal ${match[0].slice(0, 12)}...`);
    }
  }
  return findings;
}

describe('no secrets in the templates', () => {
  it.each(bicepPaths.map((filePath) => [path.relative(projectRoot, filePath)]))('%s calls no list*() function and holds no key or connection string', (relative) => {
    expect(secretFindings(files.get(path.join(projectRoot, relative))!)).toEqual([]);
  });

  it('main.parameters.json and azure.yaml hold no key or connection string', () => {
    for (const name of ['infra/main.parameters.json', 'azure.yaml']) {
      const text = fs.readFileSync(path.join(projectRoot, name), 'utf8');
      expect(SECRET_MARKERS.test(text), name).toBe(false);
      expect(KEY_LIKE.test(text.replace(/https?:\/\/\S+/g, '')), name).toBe(false);
    }
  });

  it('flags listKeys(), an account-key connection string and a pasted key (the check can fail)', () => {
    const leaky = parseBicepSource(
      [
        "var keys = storage.listKeys().keys[0].value",
        "var other = listKeys(storage.id, '2023-05-01')",
        "var connection = 'DefaultEndpointsProtocol=https;AccountName=st;EndpointSuffix=core.windows.net'",
        "var pasted = 'q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C2v3B4n5M6=='",
      ].join('\n'),
    );
    expect(secretFindings(leaky)).toHaveLength(4);
  });
});

// ---------------------------------------------------------------------------------------------------
// Wiring (what `bicep build` would catch) and entry points
// ---------------------------------------------------------------------------------------------------

describe('module wiring', () => {
  it('targets a resource group', () => {
    expect(targetScope(mainFile)).toBe('resourceGroup');
  });

  it.each([...files.values()].flatMap((file) => modules(file).map((declaration) => [`${relativeName(file)} ${declaration.symbol}`, declaration] as const)))(
    '%s references an existing file, passes only declared parameters and every required one',
    (_label, declaration) => {
      const target = files.get(declaration.resolvedPath);
      expect(target, declaration.modulePath).toBeDefined();
      const declared = params(target!);
      const passedObject = property(declaration.body, 'params');
      const passed = passedObject ? objectKeys(passedObject) : [];
      expect(passed.filter((name) => !declared.has(name))).toEqual([]);
      const required = [...declared.values()].filter((param) => !param.defaultValue).map((param) => param.name);
      expect(required.filter((name) => !passed.includes(name))).toEqual([]);
    },
  );

  it.each([...files.values()].flatMap((file) => modules(file).map((declaration) => [`${relativeName(file)} ${declaration.symbol}`, declaration] as const)))(
    '%s: every <module>.outputs.<name> used is an output the module declares',
    (_label, declaration) => {
      const declaredOutputs = outputs(files.get(declaration.resolvedPath)!);
      const used = moduleOutputReferences(declaration.file, declaration.symbol);
      expect(used.filter((name) => !declaredOutputs.has(name))).toEqual([]);
    },
  );

  it('describes every parameter of every template', () => {
    const undescribed = [...files.values()].flatMap((file) =>
      [...params(file).values()].filter((param) => !param.decorators.has('description')).map((param) => `${relativeName(file)} ${param.name}`),
    );
    expect(undescribed).toEqual([]);
  });

  it('pins an API version on every resource', () => {
    expect(allResources.filter((resource) => !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(resource.apiVersion)).map((resource) => resource.symbol)).toEqual([]);
  });

  it('needs nothing but the workspace resource id for `az deployment group create`', () => {
    const required = [...params(mainFile).values()].filter((param) => !param.defaultValue).map((param) => param.name);
    expect(required).toEqual(['sentinelWorkspaceResourceId']);
  });

  it('outputs the function app name, the incidents table URL, the identity client id and the azd variables', () => {
    const names = [...outputs(mainFile).keys()];
    for (const expected of [
      'AZURE_LOCATION',
      'AZURE_TENANT_ID',
      'AZURE_FUNCTION_APP_NAME',
      'SERVICE_HUNT_NAME',
      'HUNT_INCIDENTS_TABLE_URL',
      'AZURE_MANAGED_IDENTITY_CLIENT_ID',
      'SENTINEL_WORKSPACE_ROLE_ASSIGNMENT_ID',
    ]) {
      expect(names, expected).toContain(expected);
    }
  });

  it('builds the incidents table URL from the table service and the incidents table', () => {
    const storageFile = fileAt('app/storage.bicep');
    expect(outputs(storageFile).get('incidentsTableUrl')?.text).toBe("'${tableServiceUri}/${incidentsTable.name}'");
    expect(variables(storageFile).get('tableServiceUri')?.text).toBe("'https://${storageAccount.name}.table.${environment().suffixes.storage}'");
  });
});

describe('azd entry points', () => {
  const parametersFile = JSON.parse(fs.readFileSync(path.join(infraRoot, 'main.parameters.json'), 'utf8')) as {
    parameters: Record<string, { value: unknown }>;
  };
  const azureYaml = parseYaml(fs.readFileSync(path.join(projectRoot, 'azure.yaml'), 'utf8')) as {
    services: Record<string, Record<string, unknown>>;
  };

  it('main.parameters.json sets only parameters main.bicep declares, from the azd environment', () => {
    const declared = params(mainFile);
    expect(Object.keys(parametersFile.parameters).filter((name) => !declared.has(name))).toEqual([]);
    expect(parametersFile.parameters).toMatchObject({
      environmentName: { value: '${AZURE_ENV_NAME}' },
      location: { value: '${AZURE_LOCATION}' },
      sentinelWorkspaceResourceId: { value: '${SENTINEL_WORKSPACE_RESOURCE_ID}' },
    });
  });

  /** `${NAME}` or `${NAME=default}`: azd substitutes the environment variable, or the default when it is unset. */
  const AZD_REFERENCE = /^\$\{([A-Z][A-Z0-9_]*)(?:=([^}]*))?\}$/;
  const mapping = (name: string): { variable: string; fallback?: string } | undefined => {
    const value = parametersFile.parameters[name]?.value;
    const match = typeof value === 'string' ? AZD_REFERENCE.exec(value) : null;
    return match ? { variable: match[1]!, ...(match[2] !== undefined ? { fallback: match[2] } : {}) } : undefined;
  };

  it('main.parameters.json maps every main.bicep parameter without a default, and every review and Sentinel switch, to an azd variable', () => {
    const declared = [...params(mainFile).values()];
    const required = declared.filter((param) => !param.defaultValue).map((param) => param.name);
    const switches = declared.filter((param) => /^review/.test(param.name) || (param.type === 'bool' && /sentinel|workspace/i.test(param.name))).map((param) => param.name);
    expect(switches).toEqual(expect.arrayContaining(['reviewClientId', 'reviewAudience', 'reviewScope', 'sentinelWriteBack', 'sentinelAnalyticsRule', 'sentinelWorkbook', 'assignWorkspaceRole']));
    for (const name of [...required, ...switches]) expect(mapping(name), name).toBeDefined();
    // A required parameter has no fallback: an unset variable must not deploy something half-configured.
    for (const name of required) expect(mapping(name)?.fallback, name).toBeUndefined();
    expect(Object.fromEntries(switches.map((name) => [name, mapping(name)!.variable]))).toEqual({
      assignWorkspaceRole: 'SENTINEL_ASSIGN_WORKSPACE_ROLE',
      sentinelWriteBack: 'SENTINEL_WRITE_BACK',
      sentinelAnalyticsRule: 'SENTINEL_ANALYTICS_RULE',
      sentinelWorkbook: 'SENTINEL_WORKBOOK',
      reviewClientId: 'REVIEW_CLIENT_ID',
      reviewAudience: 'REVIEW_AUDIENCE',
      reviewScope: 'REVIEW_SCOPE',
    });
  });

  it('main.parameters.json falls back to main.bicep\'s own default for an unset variable', () => {
    for (const param of params(mainFile).values()) {
      const mapped = mapping(param.name);
      if (!param.defaultValue || !mapped) continue;
      // An unset variable without a fallback becomes '' (azd): right only where the Bicep default is ''.
      const fallback = mapped.fallback ?? '';
      const bicepDefault = param.type === 'string' ? `'${fallback}'` : fallback;
      if (param.name === 'environmentName' || param.name === 'location') continue; // azd always sets these two
      expect(param.defaultValue.text, param.name).toBe(bicepDefault);
    }
  });

  it('azure.yaml deploys the staged package/app of service hunt as a JavaScript function app', () => {
    const hunt = azureYaml.services.hunt!;
    expect(hunt).toMatchObject({ project: '.', language: 'js', host: 'function', dist: 'package/app' });
    const prepackage = (hunt.hooks as Record<string, Record<string, { run: string }>>).prepackage!;
    expect(prepackage.posix?.run).toBe('npm run package');
    expect(prepackage.windows?.run).toBe('npm run package');
  });

  it('tags the function app with the azd service name azure.yaml uses', () => {
    const functionAppModule = modules(mainFile).find((declaration) => declaration.resolvedPath === functionAppFile.path)!;
    const tags = property(functionAppModule.body, 'params.tags');
    const union = call(tags);
    const serviceTag = union?.args.map((argument) => property(argument, 'azd-service-name')).find(Boolean);
    expect(literal(serviceTag)).toBe('hunt');
    expect(Object.keys(azureYaml.services)).toEqual(['hunt']);
  });
});
