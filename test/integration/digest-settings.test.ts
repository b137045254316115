import { describe, expect, it } from 'vitest';
import { getDigestSettings, patchDigestSettings } from '../../shared/engine/settings';
import { useInProcessStorage } from '../helpers/in-process';
import { tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * PATCH of the weekly digest settings (R-D3) against a real Azurite: the chosen recipients
 * must be people the digest can reach, or the PATCH says which one is not.
 */
const N = 120;
const seed = tenantSeed(N, 'p2', 4);
// User 3 is in the directory but has neither mail nor other mails.
seed.users[2] = { ...seed.users[2]!, mail: '', otherMails: [] };
useInProcessStorage('digest-settings', seed);

const unknown = userId(N, 9);

describe('weekly digest settings (SPEC §7, R-D3)', () => {
  it('R-D3: a chosen recipient who is not in the directory is refused (400 naming it), and nothing changes', async () => {
    await expect(
      patchDigestSettings(tenantId(N), { recipientIds: [userId(N, 2), unknown] }),
    ).rejects.toMatchObject({ code: 'badRequest', message: expect.stringMatching(/recipientIds\[1\]/) });
    expect((await getDigestSettings(tenantId(N))).recipientIds).toBeNull();
  });

  it('R-D3: a chosen recipient without a mail or other mail address is refused (400 naming it)', async () => {
    await expect(patchDigestSettings(tenantId(N), { recipientIds: [userId(N, 3)] })).rejects.toMatchObject({
      code: 'badRequest',
      message: expect.stringMatching(/recipientIds\[0\].*no mail/),
    });
    expect((await getDigestSettings(tenantId(N))).recipientIds).toBeNull();
  });

  it('R-D3: directory users with an address are taken, and null goes back to the default list', async () => {
    expect(
      await patchDigestSettings(tenantId(N), { recipientIds: [userId(N, 2), userId(N, 4)] }),
    ).toMatchObject({ recipientIds: [userId(N, 2), userId(N, 4)] });
    expect(await patchDigestSettings(tenantId(N), { recipientIds: null })).toMatchObject({
      recipientIds: null,
    });
  });
});
