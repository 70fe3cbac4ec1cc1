// The one schema declaration (src/sentinel/schema.ts) against the Bicep that creates the tables and the data
// collection rule, both ways; the KQL of the analytics rule and the workbook against that schema; and the
// structure of every new resource, role and switch.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LATEST_INCIDENTS_QUERY } from '../../src/sentinel/read-back.js';
import { sentinelKqlErrors } from '../../src/sentinel/kql.js';
import { HITS_TABLE, INCIDENTS_TABLE, SENTINEL_TABLES, TABLE_COLUMN_TYPE } from '../../src/sentinel/schema.js';
import { projectRoot } from '../support/paths.js';
import {
  arrayLiterals,
  call,
  literal,
  modules,
  outputs,
  params,
  parseBicepFile,
  property,
  resources,
  stringLiteral,
  syntaxProblems,
  variables,
  type BicepFile,
  type SyntaxNode,
} from '../infra/bicep-tree.js';

const infra = (relative: string): BicepFile => parseBicepFile(path.join(projectRoot, 'infra', relative));
const mainFile = infra('main.bicep');
const tablesFile = infra('app/sentinel-tables.bicep');
const ingestionFile = infra('app/sentinel-ingestion.bicep');
const analyticsFile = infra('app/sentinel-analytics.bicep');
const workbookFile = infra('app/sentinel-workbook.bicep');
const networkFile = infra('app/network.bicep');
const storageFile = infra('app/storage.bicep');
const functionAppFile = infra('app/function-app.bicep');

const elements = (array: SyntaxNode | undefined): SyntaxNode[] => (array?.type === 'array' ? array.namedChildren.filter((child) => child.type !== 'comment') : []);
const columnsOf = (array: SyntaxNode | undefined): [string, string][] => elements(array).map((column) => [String(literal(property(column, 'name'))), String(literal(property(column, 'type')))]);
const moduleFor = (file: BicepFile) => modules(mainFile).find((declaration) => declaration.resolvedPath === file.path)!;

describe('the custom tables: src/sentinel/schema.ts against infra/, both ways', () => {
  it('parses every Sentinel template without a syntax problem', () => {
    for (const file of [tablesFile, ingestionFile, analyticsFile, workbookFile, networkFile]) expect(syntaxProblems(file), file.path).toEqual([]);
  });

  it.each(SENTINEL_TABLES.map((table) => [table.table, table] as const))('%s: the workspace table declares exactly the schema\'s columns, names, order and types', (_name, table) => {
    const declared = resources(tablesFile).find((resource) => literal(property(resource.body, 'name')) === table.table);
    expect(declared, table.table).toBeDefined();
    expect(declared!.type).toBe('Microsoft.OperationalInsights/workspaces/tables');
    expect(literal(property(declared!.body, 'properties.schema.name'))).toBe(table.table);
    const bicep = columnsOf(property(declared!.body, 'properties.schema.columns'));
    expect(bicep).toEqual(table.columns.map((column) => [column.name, TABLE_COLUMN_TYPE[column.type]]));
  });

  it.each(SENTINEL_TABLES.map((table) => [table.stream, table] as const))('%s: the DCR stream declares exactly the schema\'s columns, names, order and types', (_name, table) => {
    const rule = resources(ingestionFile).find((resource) => resource.type === 'Microsoft.Insights/dataCollectionRules')!;
    const stream = property(rule.body, `properties.streamDeclarations.${table.stream}`);
    expect(stream, table.stream).toBeDefined();
    expect(columnsOf(property(stream, 'columns'))).toEqual(table.columns.map((column) => [column.name, column.type]));
  });

  it('declares no stream and no table the schema does not know', () => {
    const rule = resources(ingestionFile).find((resource) => resource.type === 'Microsoft.Insights/dataCollectionRules')!;
    const streams = property(rule.body, 'properties.streamDeclarations')!.namedChildren.map((child) => child.namedChildren[0]!.text.replace(/'/g, ''));
    expect(streams.sort()).toEqual(SENTINEL_TABLES.map((table) => table.stream).sort());
    const tables = resources(tablesFile).filter((resource) => resource.type === 'Microsoft.OperationalInsights/workspaces/tables').map((resource) => literal(property(resource.body, 'name')));
    expect(tables.sort()).toEqual(SENTINEL_TABLES.map((table) => table.table).sort());
  });

  it('routes each stream unchanged to its own custom table in the Sentinel workspace', () => {
    const rule = resources(ingestionFile).find((resource) => resource.type === 'Microsoft.Insights/dataCollectionRules')!;
    const vars = variables(ingestionFile);
    const value = (node: SyntaxNode | undefined) => (node?.type === 'identifier' ? literal(vars.get(node.text)) : literal(node));
    const flows = elements(property(rule.body, 'properties.dataFlows')).map((flow) => ({
      streams: elements(property(flow, 'streams')).map(value),
      outputStream: value(property(flow, 'outputStream')),
      transformKql: literal(property(flow, 'transformKql')),
      destinations: elements(property(flow, 'destinations')).map(value),
    }));
    const destination = elements(property(rule.body, 'properties.destinations.logAnalytics'))[0]!;
    expect(property(destination, 'workspaceResourceId')?.text).toBe('workspaceResourceId');
    const destinationName = value(property(destination, 'name'));
    expect(flows).toEqual(SENTINEL_TABLES.map((table) => ({ streams: [table.stream], outputStream: table.stream, transformKql: 'source', destinations: [destinationName] })));
    expect(property(rule.body, 'properties.dataCollectionEndpointId')?.text).toBe('endpoint.id');
    expect(moduleFor(ingestionFile).body && property(property(moduleFor(ingestionFile).body, 'params'), 'workspaceResourceId')?.text).toBe('sentinelWorkspace.id');
    expect(property(property(moduleFor(ingestionFile).body, 'params'), 'location')?.text).toBe('sentinelWorkspace.location');
  });

  it('a column added to the schema but not to the Bicep is caught (the comparison can fail)', () => {
    const withExtra = [...INCIDENTS_TABLE.columns, { name: 'Extra', type: 'string' as const, description: '' }];
    const rule = resources(ingestionFile).find((resource) => resource.type === 'Microsoft.Insights/dataCollectionRules')!;
    const bicep = columnsOf(property(property(rule.body, `properties.streamDeclarations.${INCIDENTS_TABLE.stream}`), 'columns'));
    expect(bicep).not.toEqual(withExtra.map((column) => [column.name, column.type]));
  });
});

describe('KQL of the Sentinel content, checked by the Kusto language service against the custom tables', () => {
  const ruleQuery = readFileSync(path.join(projectRoot, 'infra/sentinel/analytics-rule.kql'), 'utf8');
  const workbook = JSON.parse(readFileSync(path.join(projectRoot, 'infra/sentinel/workbook.json'), 'utf8')) as { items: { type: number; name: string; content: { query?: string; title?: string } }[] };
  const workbookQueries = workbook.items.filter((item) => item.type === 3).map((item) => [item.name, item.content.query!] as const);

  it('the analytics rule query has no error', () => {
    expect(sentinelKqlErrors(ruleQuery)).toEqual([]);
  });

  it.each(workbookQueries)('workbook query %s has no error', (_name, query) => {
    expect(sentinelKqlErrors(query)).toEqual([]);
  });

  it('the documented read-back query has no error', () => {
    expect(sentinelKqlErrors(LATEST_INCIDENTS_QUERY)).toEqual([]);
  });

  it('reports a misspelt column (the check can fail)', () => {
    expect(sentinelKqlErrors(ruleQuery.replace('| project TimeGenerated, IncidentKey,', '| project TimeGenerated, IncidentKy,')).length).toBeGreaterThan(0);
    expect(sentinelKqlErrors(`${HITS_TABLE.table} | where Severity == "high"`).length).toBeGreaterThan(0);
  });

  it('the workbook shows incidents by rule, severity and host over time', () => {
    const titles = workbook.items.map((item) => item.content.title ?? '').join('\n');
    for (const word of ['rule', 'severity', 'host']) expect(titles.toLowerCase()).toContain(word);
    expect(workbookQueries.every(([, query]) => query.includes('arg_max(Version, *) by IncidentKey'))).toBe(true);
  });

  // The rule's entities, custom details and overrides must name columns its query projects.
  const projected = /\|\s*project\s+([^\n]+)\s*$/.exec(ruleQuery.trim())![1]!.split(',').map((name) => name.trim());
  const rule = resources(analyticsFile).find((resource) => resource.type === 'Microsoft.SecurityInsights/alertRules')!;

  it('loads its query from infra/sentinel/analytics-rule.kql, the file checked above', () => {
    const query = call(property(rule.body, 'properties.query'));
    expect(query?.callee).toBe('loadTextContent');
    expect(literal(query!.args[0])).toBe('../sentinel/analytics-rule.kql');
    const workbookResource = resources(workbookFile)[0]!;
    expect(property(workbookResource.body, 'properties.serializedData')!.text).toContain("loadTextContent('../sentinel/workbook.json')");
  });

  it('maps Host, Account, Process, IP and DNS entities to projected columns', () => {
    const mappings = elements(property(rule.body, 'properties.entityMappings')).map((mapping) => ({
      entityType: literal(property(mapping, 'entityType')),
      columns: elements(property(mapping, 'fieldMappings')).map((field) => literal(property(field, 'columnName'))),
    }));
    expect(mappings.map((mapping) => mapping.entityType)).toEqual(['Host', 'Account', 'Process', 'IP', 'DNS']);
    for (const mapping of mappings) for (const column of mapping.columns) expect(projected, String(column)).toContain(column);
  });

  it('declares ATT&CK tactics and techniques, and takes severity and tactics per alert from projected columns', () => {
    expect(property(rule.body, 'properties.tactics')?.text).toBe('tactics');
    expect(property(rule.body, 'properties.techniques')?.text).toBe('techniques');
    expect(arrayLiterals(params(analyticsFile).get('tactics')!.defaultValue)).toEqual(['CommandAndControl']);
    expect(arrayLiterals(params(analyticsFile).get('techniques')!.defaultValue)).toEqual(['T1105']);
    for (const key of ['alertSeverityColumnName', 'alertTacticsColumnName']) expect(projected).toContain(literal(property(rule.body, `properties.alertDetailsOverride.${key}`)));
    const details = property(rule.body, 'properties.customDetails')!;
    for (const child of details.namedChildren) expect(projected).toContain(literal(child.namedChildren.at(-1)));
    expect(literal(property(rule.body, 'kind'))).toBe('Scheduled');
    expect(property(rule.body, 'scope')?.text).toBe('workspace');
    expect(literal(property(rule.body, 'properties.incidentConfiguration.groupingConfiguration.matchingMethod'))).toBe('Selected');
  });
});

describe('switches', () => {
  const condition = (file: BicepFile) => moduleFor(file).condition?.text;

  it('sentinelWriteBack creates the tables (in the workspace\'s group), the DCE, DCR and role, and hands their endpoint and rule id to the app', () => {
    expect(literal(params(mainFile).get('sentinelWriteBack')!.defaultValue)).toBe(true);
    expect(condition(tablesFile)).toBe('sentinelWriteBack');
    expect(call(property(moduleFor(tablesFile).body, 'scope'))?.callee).toBe('resourceGroup');
    expect(property(moduleFor(tablesFile).body, 'scope')!.text).toBe('resourceGroup(sentinelSubscriptionId, sentinelResourceGroupName)');
    expect(condition(ingestionFile)).toBe('sentinelWriteBack');
    expect(property(moduleFor(ingestionFile).body, 'scope')).toBeUndefined();
    const settings = variables(mainFile).get('sentinelSettings')!;
    expect(property(settings, 'SENTINEL_INGESTION_ENDPOINT')!.text).toBe("sentinelWriteBack ? sentinelIngestion.outputs.logsIngestionEndpoint : ''");
    expect(property(settings, 'SENTINEL_DCR_IMMUTABLE_ID')!.text).toBe("sentinelWriteBack ? sentinelIngestion.outputs.ruleImmutableId : ''");
    expect(property(property(moduleFor(functionAppFile).body, 'params'), 'huntSettings')!.text).toMatch(/^union\(huntSettings, sentinelSettings[,)]/);
    const endpoint = resources(ingestionFile).find((resource) => resource.type === 'Microsoft.Insights/dataCollectionEndpoints');
    expect(endpoint).toBeDefined();
    expect(outputs(ingestionFile).get('logsIngestionEndpoint')!.text).toBe('endpoint.properties.logsIngestion.endpoint');
    expect(outputs(ingestionFile).get('ruleImmutableId')!.text).toBe('rule.properties.immutableId');
  });

  it('the workbook is a shared Sentinel workbook opened on the workspace, in the app\'s group', () => {
    const workbookResource = resources(workbookFile).find((resource) => resource.type === 'Microsoft.Insights/workbooks')!;
    expect(literal(property(workbookResource.body, 'kind'))).toBe('shared');
    expect(literal(property(workbookResource.body, 'properties.category'))).toBe('sentinel');
    expect(property(workbookResource.body, 'properties.sourceId')?.text).toBe('workspaceResourceId');
    expect(property(property(moduleFor(workbookFile).body, 'params'), 'workspaceResourceId')?.text).toBe('sentinelWorkspace.id');
    expect(property(moduleFor(workbookFile).body, 'scope')).toBeUndefined();
  });

  it('sentinelAnalyticsRule and sentinelWorkbook are off by default and need the write-back', () => {
    expect(literal(params(mainFile).get('sentinelAnalyticsRule')!.defaultValue)).toBe(false);
    expect(literal(params(mainFile).get('sentinelWorkbook')!.defaultValue)).toBe(false);
    expect(condition(analyticsFile)).toBe('sentinelWriteBack && sentinelAnalyticsRule');
    expect(condition(workbookFile)).toBe('sentinelWriteBack && sentinelWorkbook');
    expect(property(moduleFor(analyticsFile).body, 'scope')!.text).toBe('resourceGroup(sentinelSubscriptionId, sentinelResourceGroupName)');
  });

  it('assignWorkspaceRole: on, the role assignment module and its id; off, nothing there and the exact az command for the workspace owner', () => {
    expect(literal(params(mainFile).get('assignWorkspaceRole')!.defaultValue)).toBe(true);
    const rbac = modules(mainFile).find((declaration) => declaration.modulePath === 'app/rbac-workspace.bicep')!;
    expect(rbac.condition?.text).toBe('assignWorkspaceRole');
    expect(outputs(mainFile).get('SENTINEL_WORKSPACE_ROLE_ASSIGNMENT_ID')!.text).toBe("assignWorkspaceRole ? rbacWorkspace.outputs.roleAssignmentId : ''");
    const command = outputs(mainFile).get('SENTINEL_WORKSPACE_ROLE_COMMAND')!;
    expect(command.type).toBe('ternary_expression');
    expect(command.text).toBe(
      "assignWorkspaceRole ? '' : 'az role assignment create --assignee-object-id ${identity.outputs.principalId} --assignee-principal-type ServicePrincipal --role ${logAnalyticsReaderRoleId} --scope ${sentinelWorkspaceResourceId}'",
    );
    // The command grants exactly the role the module would have.
    expect(literal(variables(mainFile).get('logAnalyticsReaderRoleId'))).toBe(literal(variables(infra('app/rbac-workspace.bicep')).get('logAnalyticsReaderRoleId')));
  });

  it('privateNetworking: VNet with a subnet delegated to Microsoft.App/environments, blob and table private endpoints with DNS zones, storage closed, the app integrated', () => {
    expect(literal(params(mainFile).get('privateNetworking')!.defaultValue)).toBe(false);
    expect(condition(networkFile)).toBe('privateNetworking');
    const vnet = resources(networkFile).find((resource) => resource.type === 'Microsoft.Network/virtualNetworks')!;
    const subnets = elements(property(vnet.body, 'properties.subnets'));
    const delegated = subnets.map((subnet) => elements(property(subnet, 'properties.delegations')).map((delegation) => literal(property(delegation, 'properties.serviceName')))).flat();
    expect(delegated).toEqual(['Microsoft.App/environments']);
    expect(arrayLiterals(variables(networkFile).get('storageServices'))).toEqual(['blob', 'table', 'queue']);
    const endpoints = resources(networkFile).find((resource) => resource.type === 'Microsoft.Network/privateEndpoints')!;
    expect(endpoints.loop).toBe(true);
    expect(property(elements(property(endpoints.body, 'properties.privateLinkServiceConnections'))[0], 'properties.privateLinkServiceId')?.text).toBe('storageAccount.id');
    for (const type of ['Microsoft.Network/privateDnsZones', 'Microsoft.Network/privateDnsZones/virtualNetworkLinks', 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups']) {
      expect(resources(networkFile).some((resource) => resource.type === type), type).toBe(true);
    }
    const storage = resources(storageFile).find((resource) => resource.type === 'Microsoft.Storage/storageAccounts')!;
    expect(property(storage.body, 'properties.publicNetworkAccess')!.text).toBe("privateNetworking ? 'Disabled' : 'Enabled'");
    expect(property(storage.body, 'properties.networkAcls.defaultAction')!.text).toBe("privateNetworking ? 'Deny' : 'Allow'");
    expect(property(property(moduleFor(storageFile).body, 'params'), 'privateNetworking')!.text).toBe('privateNetworking');
    const site = resources(functionAppFile).find((resource) => resource.type === 'Microsoft.Web/sites')!;
    expect(property(site.body, 'properties.virtualNetworkSubnetId')!.text).toBe('empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId');
    expect(property(property(moduleFor(functionAppFile).body, 'params'), 'virtualNetworkSubnetId')!.text).toBe("privateNetworking ? network.outputs.appSubnetId : ''");
  });
});

describe('azure.yaml', () => {
  const azureYaml = parseYaml(readFileSync(path.join(projectRoot, 'azure.yaml'), 'utf8')) as {
    requiredVersions?: { azd?: string };
    hooks?: { predown?: { posix?: { shell: string; run: string }; windows?: { shell: string; run: string } } };
  };
  let work: string | undefined;
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('states the azd versions it needs', () => {
    expect(azureYaml.requiredVersions?.azd).toMatch(/^>= \d+\.\d+\.\d+$/);
  });

  it('has a predown hook for both shells that reads only outputs main.bicep declares', () => {
    const posix = azureYaml.hooks!.predown!.posix!;
    const windows = azureYaml.hooks!.predown!.windows!;
    expect([posix.shell, windows.shell]).toEqual(['sh', 'pwsh']);
    const named = new Set([...`${posix.run}\n${windows.run}`.matchAll(/SENTINEL_[A-Z_]+/g)].map((match) => match[0]));
    expect([...named].sort()).toEqual(['SENTINEL_ANALYTICS_RULE_ID', 'SENTINEL_WORKSPACE_ROLE_ASSIGNMENT_ID']);
    for (const name of named) expect(outputs(mainFile).has(name), name).toBe(true);
  });

  it('predown (sh) deletes the workspace role assignment and the analytics rule by id, and does nothing when they were not created', () => {
    work = mkdtempSync(path.join(tmpdir(), 'sigma-hunt-predown-'));
    const log = path.join(work, 'az.log');
    const fakeAz = path.join(work, 'az');
    writeFileSync(fakeAz, `#!/bin/sh\necho "$@" >> "${log}"\n`);
    chmodSync(fakeAz, 0o755);
    const run = (env: Record<string, string>) => spawnSync('sh', ['-c', azureYaml.hooks!.predown!.posix!.run], { env: { PATH: `${work}:${process.env.PATH ?? ''}`, ...env }, encoding: 'utf8' });
    const roleId = '/subscriptions/s/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/law/providers/Microsoft.Authorization/roleAssignments/0000';
    const ruleId = '/subscriptions/s/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/law/providers/Microsoft.SecurityInsights/alertRules/1111';
    expect(run({ SENTINEL_WORKSPACE_ROLE_ASSIGNMENT_ID: roleId, SENTINEL_ANALYTICS_RULE_ID: ruleId }).status).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([`role assignment delete --ids ${roleId}`, `resource delete --ids ${ruleId}`]);
    rmSync(log);
    expect(run({ SENTINEL_WORKSPACE_ROLE_ASSIGNMENT_ID: '', SENTINEL_ANALYTICS_RULE_ID: '' }).status).toBe(0);
    expect(() => readFileSync(log)).toThrow();
  });
});

describe('outputs', () => {
  it('outputs the ingestion endpoint, DCR id and analytics rule id, empty when their switch is off', () => {
    expect(outputs(mainFile).get('SENTINEL_INGESTION_ENDPOINT')!.text).toBe("sentinelWriteBack ? sentinelIngestion.outputs.logsIngestionEndpoint : ''");
    expect(outputs(mainFile).get('SENTINEL_DCR_IMMUTABLE_ID')!.text).toBe("sentinelWriteBack ? sentinelIngestion.outputs.ruleImmutableId : ''");
    expect(outputs(mainFile).get('SENTINEL_ANALYTICS_RULE_ID')!.text).toBe("sentinelWriteBack && sentinelAnalyticsRule ? sentinelAnalytics.outputs.ruleResourceId : ''");
    expect(stringLiteral(params(mainFile).get('sentinelWriteBack')!.decorators.get('description')![0]!)).toContain('Monitoring Metrics Publisher');
  });
});
