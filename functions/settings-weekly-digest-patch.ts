import { app } from '@azure/functions';
import { WeeklyDigestPatch } from '../shared/domain/settings';
import { patchDigestSettings } from '../shared/engine/settings';
import { readJsonBody } from '../shared/http/body';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const patchWeeklyDigestSettings = authorizedRoute(
  'changeSettings',
  async ({ request, tenant, requestId }) => {
    const patch = await readJsonBody(request, WeeklyDigestPatch);
    return jsonResponse(200, await patchDigestSettings(tenant.id, patch), requestId);
  },
);

app.http('settings-weekly-digest-patch', {
  route: 'riskloop/settings/weeklyDigest',
  methods: ['PATCH'],
  authLevel: 'anonymous',
  handler: patchWeeklyDigestSettings,
});
