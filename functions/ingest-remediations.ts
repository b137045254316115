import { app } from '@azure/functions';
import { RemediationBatch } from '../shared/domain/ingestion';
import { ingestRemediations } from '../shared/engine/ingest';
import { readJsonBody } from '../shared/http/body';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const ingestRemediationsRoute = authorizedRoute('ingest', async ({ request, tenant, requestId }) => {
  const body = await readJsonBody(request, RemediationBatch);
  const result = await ingestRemediations(tenant.id, body.value);
  return jsonResponse(202, result, requestId);
});

app.http('ingest-remediations', {
  route: 'riskloop/remediations',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: ingestRemediationsRoute,
});
