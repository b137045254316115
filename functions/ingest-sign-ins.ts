import { app } from '@azure/functions';
import { SignInBatch } from '../shared/domain/ingestion';
import { ingestSignIns } from '../shared/engine/ingest';
import { readJsonBody } from '../shared/http/body';
import { jsonResponse } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const ingestSignInsRoute = authorizedRoute('ingest', async ({ request, tenant, requestId }) => {
  const body = await readJsonBody(request, SignInBatch);
  const result = await ingestSignIns(tenant.id, body.value);
  return jsonResponse(202, result, requestId);
});

app.http('ingest-sign-ins', {
  route: 'riskloop/signIns',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: ingestSignInsRoute,
});
