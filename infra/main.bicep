// riskloop on Azure Functions Flex Consumption, after Microsoft's azd reference
// (functions-quickstart-javascript-azd / -typescript-azd): a subscription-scoped template, a
// user-assigned identity that reaches storage, Application Insights and Key Vault without
// keys, a storage account with shared keys off, Log Analytics + Application Insights, an
// FC1 plan and the function app. `azd up` provisions it and deploys the app (azure.yaml).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to derive a short unique token for resource names.')
param environmentName string

@minLength(1)
@description('Region for all resources; must offer Flex Consumption.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'eastus2euap'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the operator (azd sets AZURE_PRINCIPAL_ID to the signed-in user). Gets table and queue data access for `npm run seed` and may set secrets in the Key Vault. Empty: no operator access.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
@description('Kind of principal principalId is: azd sets AZURE_PRINCIPAL_TYPE (ServicePrincipal when it is signed in as one, e.g. in CI); ARM refuses a role assignment whose type does not match (UnmatchedPrincipalType).')
param principalType string = 'User'

@minLength(1)
@description('AUTH_AUDIENCE: the accepted token audience(s), comma-separated: the app registration\'s Application ID URI and its client id, e.g. "api://riskloop-contoso,11111111-2222-3333-4444-555555555555".')
param authAudience string

@description('EMAIL_FROM: the sender address (a verified SendGrid sender). Empty: riskloop@example.com.')
param emailFrom string = ''

@description('Name of the Key Vault secret holding the SendGrid API key. Empty: SENDGRID_API_KEY is not set and emails are only logged (notifications log). Set it after storing the secret in the vault (docs/DEPLOY.md).')
param sendGridSecretName string = ''

@description('SENDGRID_BASE_URL: SendGrid API base override (e.g. the EU regional endpoint). Empty: SendGrid\'s default.')
param sendGridBaseUrl string = ''

@description('REPORT_BASE_URL: base of the report links in emails. Empty: the Entra admin center.')
param reportBaseUrl string = ''

@description('WEEKLY_DIGEST_SCHEDULE: NCRONTAB (UTC) of the weekly digest. Empty: Mondays 09:00 UTC.')
param weeklyDigestSchedule string = ''

@description('ALERT_WINDOW_SECONDS: the alert aggregation window (1-60). Empty: 5.')
param alertWindowSeconds string = ''

@allowed(['20', '22'])
@description('Node.js version of the function app. 22 by default: Node 20 reached its end of life on 30 April 2026 and gets no more security fixes. The project is developed and tested on Node 20 (README, Deploy), so 20 remains selectable.')
param nodeVersion string = '22'

@description('Flex Consumption instance size.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Flex Consumption scale-out limit.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

param resourceGroupName string = ''
param functionAppName string = ''

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appName = !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}riskloop-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(appName, 32)}-${take(toLower(uniqueString(appName, resourceToken)), 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The identity the app runs as: storage (host and app), Application Insights, Key Vault references.
module appIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'appIdentity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}riskloop-${resourceToken}'
    location: location
    tags: tags
  }
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'appserviceplan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
    location: location
    tags: tags
  }
}

// Tables and queues are created by the app itself on first use (idempotent); the blob
// container holds the deployment package.
module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identity only: no account keys, no connection strings
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [{ name: deploymentStorageContainerName }]
    }
    minimumTlsVersion: 'TLS1_2'
    location: location
    tags: tags
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'loganalytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'appinsights'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true // telemetry is sent with the app's identity (Monitoring Metrics Publisher)
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbacAssignments'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.name
    keyVaultName: keyVault.outputs.name
    appPrincipalId: appIdentity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: appName
    location: location
    tags: tags
    appServicePlanId: appServicePlan.outputs.resourceId
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    applicationInsightsName: monitoring.outputs.name
    keyVaultName: keyVault.outputs.name
    identityId: appIdentity.outputs.resourceId
    identityClientId: appIdentity.outputs.clientId
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    nodeVersion: nodeVersion
    authAudience: authAudience
    emailFrom: emailFrom
    sendGridSecretName: sendGridSecretName
    sendGridBaseUrl: sendGridBaseUrl
    reportBaseUrl: reportBaseUrl
    weeklyDigestSchedule: weeklyDigestSchedule
    alertWindowSeconds: alertWindowSeconds
  }
  // The app reaches storage and Key Vault as soon as it starts.
  dependsOn: [rbac]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
