import { describe, expect, it } from 'vitest';
import { countPathError } from '../../shared/http/count-path';

const user = '00000000-0000-4000-8000-000000000001';

describe('countPathError: the catch-all route (path relative to the route prefix, decoded)', () => {
  it.each([
    [`identityProtection/riskyUsers/${user}/history/$count`, 'history'],
    [`IdentityProtection/RiskyUsers/${user}/History/$count`, 'history'],
    ['riskloop/notifications/$count', 'notifications'],
    // Under the hosts GET …/{id} takes these first; the catch-all answers them the same way.
    ['identityProtection/riskyUsers/$count', 'riskyUsers'],
    ['identityProtection/riskDetections/$count', 'riskDetections'],
    ['auditLogs/signIns/$count', 'signIns'],
  ])('%s: a 400 naming $count on %s', (path, set) => {
    const error = countPathError(path);
    expect(error?.code).toBe('badRequest');
    expect(error?.message).toBe(`Path segment '$count' is not supported on ${set}`);
  });

  it.each([
    [`identityProtection/riskyUsers/${user}/history/x`],
    [`identityProtection/riskyUsers/${user}/$count`],
    ['identityProtection/riskyUsers//history/$count'],
    ['identityProtection/$count'],
    ['$count'],
    ['riskloop/settings/weeklyDigest/$count'],
    ['no/such/list/$count'],
    [''],
  ])('%s: not a list route with $count, left to the 404', (path) => {
    expect(countPathError(path)).toBeUndefined();
  });
});
