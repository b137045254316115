import { app } from '@azure/functions';
import { buildOpenApiDocument } from '../shared/http/openapi';
import { anonymousRoute } from '../shared/http/route';

const ROUTE = 'riskloop/openapi.json';

/** The OpenAPI 3.1 document of the API; its server URL is the caller's view of this host and route prefix. */
export const openapi = anonymousRoute((request, requestId) => {
  const url = new URL(request.url);
  const prefix = url.pathname.slice(0, Math.max(0, url.pathname.length - ROUTE.length - 1));
  return Promise.resolve({
    status: 200,
    headers: {
      'content-type': 'application/json',
      'request-id': requestId,
      'cache-control': 'public, max-age=300',
    },
    jsonBody: buildOpenApiDocument({ serverUrl: `${url.origin}${prefix}` }),
  });
});

app.http('openapi', { route: ROUTE, methods: ['GET'], authLevel: 'anonymous', handler: openapi });
