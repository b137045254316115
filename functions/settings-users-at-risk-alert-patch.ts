import { app } from '@azure/functions';
import { UsersAtRiskAlertPatch } from '../shared/domain/settings';
import { patchAlertSettings } from '../shared/engine/settings';
import { readJsonBody } from '../shared/http/body';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const patchUsersAtRiskAlertSettings = authorizedRoute(
  'changeSettings',
  async ({ request, tenant, requestId }) => {
    const patch = await readJsonBody(request, UsersAtRiskAlertPatch);
    return jsonResponse(200, await patchAlertSettings(tenant.id, patch), requestId);
  },
);

app.http('settings-users-at-risk-alert-patch', {
  route: 'riskloop/settings/usersAtRiskAlert',
  methods: ['PATCH'],
  authLevel: 'anonymous',
  handler: patchUsersAtRiskAlertSettings,
});
