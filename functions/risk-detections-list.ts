import { app } from '@azure/functions';
import { listRiskDetections } from '../shared/engine/reads';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const riskDetectionsList = authorizedRoute('read', async ({ request, tenant, requestId }) =>
  jsonResponse(200, await listRiskDetections({ tenant, url: request.url }), requestId),
);

app.http('risk-detections-list', {
  route: 'identityProtection/riskDetections',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: riskDetectionsList,
});
