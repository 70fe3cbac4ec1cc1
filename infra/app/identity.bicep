// The one identity the hunt runs as. User-assigned (not system-assigned) so that its role assignments can be
// created before the function app exists: the app then starts with the access it needs instead of failing its
// first runs while RBAC catches up.

@description('Name of the user-assigned managed identity.')
param name string

@description('Region of the identity.')
param location string

@description('Tags of the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output name string = identity.name
output resourceId string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
