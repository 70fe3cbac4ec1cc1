// Private-network mode (main.bicep privateNetworking=true), after Microsoft's Flex Consumption quickstart
// (Azure-Samples/functions-quickstart-typescript-azd, vnetEnabled): a virtual network with one subnet for the
// app's outbound traffic (VNet integration, delegated to Microsoft.App/environments as Flex Consumption requires)
// and one for private endpoints; the storage account's blob and table services are reached through private
// endpoints resolved by private DNS zones, and storage refuses public network access.

@description('Name of the virtual network.')
param name string

@description('Region of the network resources (the app\'s region).')
param location string

@description('Tags of the network resources.')
param tags object = {}

@description('Name of the storage account to reach privately (same resource group).')
param storageAccountName string

@description('Address space of the virtual network.')
param addressPrefix string = '10.0.0.0/16'

@description('Subnet of the function app\'s VNet integration.')
param appSubnetPrefix string = '10.0.1.0/24'

@description('Subnet of the private endpoints.')
param privateEndpointSubnetPrefix string = '10.0.2.0/24'

var appSubnetName = 'app'
var privateEndpointSubnetName = 'private-endpoints'
// The storage services the app uses: blobs (package, timer lease), tables (incidents, checkpoints, host, query
// slots) and queues (the fan-out's work and poison queues).
var storageServices = [
  'blob'
  'table'
  'queue'
]

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: appSubnetName
        properties: {
          addressPrefix: appSubnetPrefix
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
    ]
  }
}

resource dnsZones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for service in storageServices: {
  name: 'privatelink.${service}.${environment().suffixes.storage}'
  location: 'global'
  tags: tags
}]

resource dnsZoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (service, index) in storageServices: {
  parent: dnsZones[index]
  name: '${name}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetwork.id
    }
  }
}]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [for (service, index) in storageServices: {
  name: 'pe-${storageAccount.name}-${service}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: resourceId('Microsoft.Network/virtualNetworks/subnets', virtualNetwork.name, privateEndpointSubnetName)
    }
    privateLinkServiceConnections: [
      {
        name: 'storage-${service}'
        properties: {
          privateLinkServiceId: storageAccount.id
          groupIds: [
            service
          ]
        }
      }
    ]
  }
}]

resource dnsZoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [for (service, index) in storageServices: {
  parent: privateEndpoints[index]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'storage-${service}'
        properties: {
          privateDnsZoneId: dnsZones[index].id
        }
      }
    ]
  }
}]

@description('Subnet the function app integrates with (virtualNetworkSubnetId).')
output appSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', virtualNetwork.name, appSubnetName)
output virtualNetworkId string = virtualNetwork.id
