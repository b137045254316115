import { app } from '@azure/functions';
import { listNotifications } from '../shared/engine/reads';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const notificationsList = authorizedRoute('read', async ({ request, tenant, requestId }) =>
  jsonResponse(200, await listNotifications({ tenant, url: request.url }), requestId),
);

app.http('notifications-list', {
  route: 'riskloop/notifications',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: notificationsList,
});
