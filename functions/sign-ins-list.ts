import { app } from '@azure/functions';
import { listSignIns } from '../shared/engine/reads';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const signInsList = authorizedRoute('read', async ({ request, tenant, requestId }) =>
  jsonResponse(200, await listSignIns({ tenant, url: request.url }), requestId),
);

app.http('sign-ins-list', {
  route: 'auditLogs/signIns',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: signInsList,
});
