/**
 * "Open in Log Analytics": the Azure portal's shared-query link, which carries the query gzip-compressed and
 * base64-encoded in the URL (the format of the portal's own "Share → Copy link to query"), scoped to the
 * workspace's resource id (REVIEW_WORKSPACE_RESOURCE_ID).
 */
import { gzipSync } from 'node:zlib';

const RESOURCE_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i;

export function isWorkspaceResourceId(text: string): boolean {
  return RESOURCE_ID.test(text);
}

export function logAnalyticsLink(workspaceResourceId: string, query: string, tenantId?: string): string {
  const compressed = gzipSync(Buffer.from(query, 'utf8')).toString('base64');
  const tenant = tenantId ? `@${tenantId}/` : '';
  return (
    `https://portal.azure.com/#${tenant}blade/Microsoft_OperationsManagementSuite_Workspace/Logs.ReactView/resourceId/` +
    `${encodeURIComponent(workspaceResourceId)}/source/LogsBlade.AnalyticsShareLinkToQuery/q/${encodeURIComponent(compressed)}`
  );
}
