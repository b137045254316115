import { app } from '@azure/functions';
import { DetectionBatch } from '../shared/domain/ingestion';
import { ingestDetections } from '../shared/engine/ingest';
import { readJsonBody } from '../shared/http/body';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const ingestRiskDetectionsRoute = authorizedRoute('ingest', async ({ request, tenant, requestId }) => {
  const body = await readJsonBody(request, DetectionBatch);
  const result = await ingestDetections(tenant.id, body.value);
  return jsonResponse(202, result, requestId);
});

app.http('ingest-risk-detections', {
  route: 'riskloop/riskDetections',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: ingestRiskDetectionsRoute,
});
