import { app } from '@azure/functions';
import { getRiskDetection } from '../shared/engine/reads';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const riskDetectionsGet = authorizedRoute('read', async ({ request, tenant, requestId }) =>
  jsonResponse(200, await getRiskDetection({ tenant, url: request.url }, request.params.id ?? ''), requestId),
);

app.http('risk-detections-get', {
  route: 'identityProtection/riskDetections/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: riskDetectionsGet,
});
