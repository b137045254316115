import { app } from '@azure/functions';
import { checkHealth } from '../shared/engine/health';
import { anonymousRoute } from '../shared/http/route';
import { jsonResponse } from '../shared/http/respond';

export const health = anonymousRoute(async (_request, requestId) => {
  const report = await checkHealth();
  return jsonResponse(report.status === 'healthy' ? 200 : 503, report, requestId);
});

app.http('health', { route: 'riskloop/health', methods: ['GET'], authLevel: 'anonymous', handler: health });
