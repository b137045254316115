import { app } from '@azure/functions';
import { acceptSignInAction, callerOf } from '../shared/engine/feedback';
import { readJsonBody } from '../shared/http/body';
import { RequestIdsBody } from '../shared/http/feedback-bodies';
import { noContent } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const signInsConfirmSafe = authorizedRoute(
  'signInFeedback',
  async ({ request, invocation, principal, tenant, requestId, clientRequestId, now }) => {
    const body = await readJsonBody(request, RequestIdsBody);
    await acceptSignInAction(
      tenant.id,
      'confirmSignInSafe',
      body.requestIds,
      callerOf({ principal, clientRequestId }),
      now,
      invocation,
    );
    return noContent(requestId);
  },
);

app.http('sign-ins-confirm-safe', {
  route: 'auditLogs/signIns/confirmSafe',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: signInsConfirmSafe,
});
