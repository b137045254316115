import { describe, expect, it } from 'vitest';
import { ingestDetections } from '../../shared/engine/ingest';
import { loadSeed } from '../../shared/engine/seed';
import { rescoreUser } from '../../shared/engine/rescore-user';
import { getDigestSettings, listAlertRecipients, patchDigestSettings } from '../../shared/engine/settings';
import { offlineDetection, useInProcessStorage } from '../helpers/in-process';
import { SR, tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * PATCH of the weekly digest settings (R-D3) against a real Azurite: the chosen recipients
 * must be people the digest can reach, or the PATCH says which one is not.
 */
const N = 120;
const seed = tenantSeed(N, 'p2', 4);
// User 3 is in the directory but has neither mail nor other mails.
seed.users[2] = { ...seed.users[2]!, mail: '', otherMails: [] };
// User 8 holds Security Reader but was never imported (the directory lags its role assignments).
seed.roleAssignments.push({
  roleTemplateId: SR,
  principalId: userId(N, 8),
  principalType: 'user',
  assignmentType: 'active',
  createdDateTime: '2024-01-01T00:00:00.000Z',
});
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

describe('weekly digest settings of a changing directory (R-D3)', () => {
  it('R-D3: a PATCH that keeps chosen recipients who lost their address since is saved; new ones are checked', async () => {
    await patchDigestSettings(tenantId(N), { recipientIds: [userId(N, 2), userId(N, 4)] });
    // User 4 loses every address in a later directory import.
    const users = seed.users.map((u) => (u.id === userId(N, 4) ? { ...u, mail: '', otherMails: [] } : u));
    await loadSeed({ ...seed, users });
    // A client that sends the whole object back to switch the digest off.
    expect(
      await patchDigestSettings(tenantId(N), { enabled: false, recipientIds: [userId(N, 2), userId(N, 4)] }),
    ).toMatchObject({ enabled: false, recipientIds: [userId(N, 2), userId(N, 4)] });
    await expect(
      patchDigestSettings(tenantId(N), { recipientIds: [userId(N, 2), userId(N, 4), userId(N, 3)] }),
    ).rejects.toMatchObject({ code: 'badRequest', message: expect.stringMatching(/recipientIds\[2\]/) });
    await patchDigestSettings(tenantId(N), { enabled: true, recipientIds: null });
  });
});

describe('alert recipients (SPEC §7, R-E6)', () => {
  it('R-E6: a role holder whose only row came from ingested risk is left out as not in the directory', async () => {
    const holder = userId(N, 8);
    await ingestDetections(tenantId(N), [offlineDetection('rh-1', holder)]);
    await rescoreUser({ type: 'rescore', tenantId: tenantId(N), userId: holder, detectionIds: ['rh-1'] });
    const { value, excluded } = await listAlertRecipients(tenantId(N), new Date());
    expect(value.map((r) => r.userId)).toEqual([userId(N, 1)]);
    expect(excluded).toEqual([{ userId: holder, reason: expect.stringMatching(/not in the directory/) }]);
  });
});
