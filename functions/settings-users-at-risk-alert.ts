import { app } from '@azure/functions';
import { getAlertSettings } from '../shared/engine/settings';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const getUsersAtRiskAlertSettings = authorizedRoute('read', async ({ tenant, requestId }) =>
  jsonResponse(200, await getAlertSettings(tenant.id), requestId),
);

app.http('settings-users-at-risk-alert', {
  route: 'riskloop/settings/usersAtRiskAlert',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: getUsersAtRiskAlertSettings,
});
