import { app } from '@azure/functions';
import { getDigestSettings } from '../shared/engine/settings';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const getWeeklyDigestSettings = authorizedRoute('read', async ({ tenant, requestId }) =>
  jsonResponse(200, await getDigestSettings(tenant.id), requestId),
);

app.http('settings-weekly-digest', {
  route: 'riskloop/settings/weeklyDigest',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: getWeeklyDigestSettings,
});
