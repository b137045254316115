import { app } from '@azure/functions';
import { notFound } from '../shared/errors';
import { countPathError } from '../shared/http/count-path';
import { anonymousRoute } from '../shared/http/route';

/**
 * Any path under the route prefix that no other function serves, with any method: Graph's
 * error shape, like every other answer of the API, instead of the Functions host's empty
 * 404. ASP.NET routing tries a catch-all after every other route, so this takes only what
 * they leave (an unknown path, or a known path with a method it does not take). A list
 * route's `/$count` (a Graph SDK count call) is a 400 naming `$count` instead.
 */
export const notFoundRoute = anonymousRoute((request) => {
  const path = new URL(request.url).pathname;
  const countError = request.method === 'GET' ? countPathError(request.params.path ?? '') : undefined;
  return Promise.reject(countError ?? notFound(`No ${request.method} operation at ${path.slice(0, 200)}.`));
});

app.http('not-found', {
  route: '{*path}',
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  authLevel: 'anonymous',
  handler: notFoundRoute,
});
