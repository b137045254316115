import { app, type HttpResponseInit } from '@azure/functions';
import { health } from './health';

/**
 * `HEAD` of the health route, for probes that use it (Azure Front Door's default, many load
 * balancers): the status and headers of the GET, without its body.
 */
export const healthHead = async (...args: Parameters<typeof health>): Promise<HttpResponseInit> => {
  const { status, headers } = await health(...args);
  return { status, headers };
};

app.http('health-head', {
  route: 'riskloop/health',
  methods: ['HEAD'],
  authLevel: 'anonymous',
  handler: healthHead,
});
