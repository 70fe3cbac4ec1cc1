// App settings of the review API and page (issue 11): how the function app checks who calls it.
//
// Why not App Service Authentication: Flex Consumption does not support it ("EasyAuth is currently not
// supported. Unauthenticated callers currently aren't blocked when EasyAuth is enabled in a Flex Consumption
// plan app", Flex Consumption plan considerations, MicrosoftDocs/azure-docs
// articles/azure-functions/flex-consumption-plan.md). So every API request must carry an Entra ID access token,
// which the code validates (src/review/auth.ts, with jose: signature against the tenant's JWKS, issuer, audience,
// lifetime, and the app roles Incidents.Read / Incidents.Triage). No route serves data without one: a request
// without a token gets 401, a token without the role 403; with no audience configured the API answers 500
// (not configured) to everyone. REVIEW_AUTH is always entra here; the code refuses `development` in Azure.
//
// The Entra app registration (app roles from infra/review-app-roles.json, delegated scope Incidents.Access,
// SPA redirect URI of the page, assignment required) is created once with the Azure CLI: see infra/README.md,
// "Review: sign-in and app roles". It is not declared here: ARM cannot create Entra applications, and the
// Microsoft Graph Bicep extension needs Graph permissions (Application.ReadWrite.All) that a resource-group
// deployment should not require.

@description('Tenant whose tokens the API accepts (REVIEW_TENANT_ID).')
param tenantId string = tenant().tenantId

@description('Client id of the review app registration (REVIEW_CLIENT_ID): the page signs in with it. Empty: the review is not configured and its API refuses every request.')
param clientId string

@description('Accepted token audiences, comma-separated (REVIEW_AUDIENCE): the registration\'s app ID URI and/or client id. Empty: the client id.')
param audience string = ''

@description('Delegated scope the page asks for (REVIEW_SCOPE). Empty: <first audience>/Incidents.Access.')
param scope string = ''

@description('Resource id of the Sentinel workspace, for "open in Log Analytics" links (REVIEW_WORKSPACE_RESOURCE_ID).')
param workspaceResourceId string

var audiences = empty(audience) ? clientId : audience

output appSettings object = {
  REVIEW_AUTH: 'entra'
  REVIEW_TENANT_ID: tenantId
  REVIEW_CLIENT_ID: clientId
  REVIEW_AUDIENCE: audiences
  REVIEW_SCOPE: empty(scope) ? '${split(audiences, ',')[0]}/Incidents.Access' : scope
  REVIEW_WORKSPACE_RESOURCE_ID: workspaceResourceId
}
