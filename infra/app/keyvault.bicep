// Key Vault for the app's secrets (the SendGrid API key). RBAC authorization: the app's
// identity reads secrets (Key Vault Secrets User, app/rbac.bicep) through Key Vault
// references; the operator sets them (Key Vault Secrets Officer). No secret is created
// here: secret values never pass through templates or azd environment files.
param name string
param location string = resourceGroup().location
param tags object = {}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    // Soft delete keeps a deleted vault (and its name) for 90 days; `azd down --purge`
    // purges it. Purge protection is left off so that down/up cycles with the same
    // environment name keep working; turn it on for a long-lived production vault.
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
