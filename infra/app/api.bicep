// The Flex Consumption function app, after the reference's functions-flexconsumption.bicep
// and app/api.bicep: runtime and scale in functionAppConfig, the package in a blob
// container read with the user-assigned identity, identity-based AzureWebJobsStorage__*,
// and every riskloop setting of local.settings.example.json as an app setting.
param name string
param location string = resourceGroup().location
param tags object = {}
param serviceName string = 'api'
param appServicePlanId string
param storageAccountName string
param deploymentStorageContainerName string
param applicationInsightsName string
param keyVaultName string
@description('Resource id of the app\'s user-assigned identity.')
param identityId string
@description('Client id of the same identity (AzureWebJobsStorage__clientId, Application Insights).')
param identityClientId string
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100
@allowed(['20', '22'])
param nodeVersion string = '22'

param authAudience string
param emailFrom string = ''
param sendGridSecretName string = ''
param sendGridBaseUrl string = ''
param reportBaseUrl string = ''
param weeklyDigestSchedule string = ''
param alertWindowSeconds string = ''

resource stg 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Functions' identity-based connection for the host (blob: keys, timers, package; queue:
// triggers) and for the app's own clients (shared/storage/clients.ts: table and queue).
var storageSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: stg.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: stg.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: stg.properties.primaryEndpoints.table
}

var monitoringSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// Not set on purpose: FUNCTIONS_WORKER_RUNTIME (Flex Consumption takes the runtime from
// functionAppConfig and refuses the setting), AzureWebJobsStorage (no connection strings:
// shared keys are off), DEV_SIGNING_KEY_FILE (dev auth only; refused in Azure anyway),
// FEEDBACK_RECHECK_SECONDS (its default, 60, is meant for production), PORT (npm start only).
var riskloopSettings = {
  AUTH_MODE: 'entra'
  AUTH_AUDIENCE: authAudience
  AUTH_AUTHORITY_HOST: 'https://login.microsoftonline.com'
  EMAIL_FROM: !empty(emailFrom) ? emailFrom : 'riskloop@example.com'
  // The deployed package is read-only; only the instance's temporary disk is writable.
  EMAIL_OUTBOX_DIR: '/tmp/riskloop-outbox'
  REPORT_BASE_URL: !empty(reportBaseUrl)
    ? reportBaseUrl
    : 'https://entra.microsoft.com/#view/Microsoft_AAD_IAM/IdentityProtectionMenuBlade'
  // Trigger bindings read %WEEKLY_DIGEST_SCHEDULE% from app settings: it must always be set.
  WEEKLY_DIGEST_SCHEDULE: !empty(weeklyDigestSchedule) ? weeklyDigestSchedule : '0 0 9 * * 1'
  ALERT_WINDOW_SECONDS: !empty(alertWindowSeconds) ? alertWindowSeconds : '5'
}

// The SendGrid key only ever comes from Key Vault, through a Key Vault reference resolved
// with the app's identity (keyVaultReferenceIdentity below).
var emailSettings = union(
  !empty(sendGridSecretName)
    ? { SENDGRID_API_KEY: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${sendGridSecretName})' }
    : {},
  !empty(sendGridBaseUrl) ? { SENDGRID_BASE_URL: sendGridBaseUrl } : {}
)

resource functionApp 'Microsoft.Web/sites@2023-12-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: appServicePlanId
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${stg.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(storageSettings, monitoringSettings, riskloopSettings, emailSettings)
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
