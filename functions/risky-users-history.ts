import { app } from '@azure/functions';
import { listRiskyUserHistory } from '../shared/engine/reads';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const riskyUsersHistory = authorizedRoute('read', async ({ request, tenant, requestId }) =>
  jsonResponse(
    200,
    await listRiskyUserHistory({ tenant, url: request.url }, request.params.id ?? ''),
    requestId,
  ),
);

app.http('risky-users-history', {
  route: 'identityProtection/riskyUsers/{id}/history',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: riskyUsersHistory,
});
