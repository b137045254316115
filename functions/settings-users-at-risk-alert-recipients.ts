import { app } from '@azure/functions';
import { listAlertRecipients } from '../shared/engine/settings';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const usersAtRiskAlertRecipients = authorizedRoute('read', async ({ tenant, requestId, now }) =>
  jsonResponse(200, await listAlertRecipients(tenant.id, now), requestId),
);

app.http('settings-users-at-risk-alert-recipients', {
  route: 'riskloop/settings/usersAtRiskAlert/recipients',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: usersAtRiskAlertRecipients,
});
