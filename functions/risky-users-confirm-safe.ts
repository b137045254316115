import { app } from '@azure/functions';
import { acceptUserAction, callerOf } from '../shared/engine/feedback';
import { readJsonBody } from '../shared/http/body';
import { UserIdsBody } from '../shared/http/feedback-bodies';
import { noContent } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const riskyUsersConfirmSafe = authorizedRoute(
  'userFeedback',
  async ({ request, invocation, principal, tenant, requestId, clientRequestId, now }) => {
    const body = await readJsonBody(request, UserIdsBody);
    await acceptUserAction(
      tenant.id,
      'confirmUserSafe',
      body.userIds,
      callerOf({ principal, clientRequestId }),
      now,
      invocation,
    );
    return noContent(requestId);
  },
);

app.http('risky-users-confirm-safe', {
  route: 'identityProtection/riskyUsers/confirmSafe',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: riskyUsersConfirmSafe,
});
