import { app } from '@azure/functions';
import { listRiskyUsers } from '../shared/engine/reads';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const riskyUsersList = authorizedRoute('read', async ({ request, tenant, requestId }) =>
  jsonResponse(200, await listRiskyUsers({ tenant, url: request.url }), requestId),
);

app.http('risky-users-list', {
  route: 'identityProtection/riskyUsers',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: riskyUsersList,
});
