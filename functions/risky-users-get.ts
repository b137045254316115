import { app } from '@azure/functions';
import { getRiskyUser } from '../shared/engine/reads';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const riskyUsersGet = authorizedRoute('read', async ({ request, tenant, requestId }) =>
  jsonResponse(200, await getRiskyUser({ tenant, url: request.url }, request.params.id ?? ''), requestId),
);

app.http('risky-users-get', {
  route: 'identityProtection/riskyUsers/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: riskyUsersGet,
});
