import { app } from '@azure/functions';
import { acceptUserAction, callerOf } from '../shared/engine/feedback';
import { readJsonBody } from '../shared/http/body';
import { UserIdsBody } from '../shared/http/feedback-bodies';
import { noContent } from '../shared/http/respond';
import { authorizedRoute } from '../shared/http/route';

export const riskyUsersConfirmCompromised = authorizedRoute(
  'userFeedback',
  async ({ request, invocation, principal, tenant, requestId, clientRequestId, now }) => {
    const body = await readJsonBody(request, UserIdsBody);
    await acceptUserAction(
      tenant.id,
      'confirmUserCompromised',
      body.userIds,
      callerOf({ principal, clientRequestId }),
      now,
      invocation,
    );
    return noContent(requestId);
  },
);

app.http('risky-users-confirm-compromised', {
  route: 'identityProtection/riskyUsers/confirmCompromised',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: riskyUsersConfirmCompromised,
});
