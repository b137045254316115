import { app } from '@azure/functions';
import { getSignIn } from '../shared/engine/reads';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const signInsGet = authorizedRoute('read', async ({ request, tenant, requestId }) =>
  jsonResponse(200, await getSignIn({ tenant, url: request.url }, request.params.id ?? ''), requestId),
);

app.http('sign-ins-get', {
  route: 'auditLogs/signIns/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: signInsGet,
});
