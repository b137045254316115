import { describe, expect, it } from 'vitest';
import { DetectionInput, RemediationInput, SignInInput } from '../../../shared/domain/ingestion';

/** R-X1: what an ingested item is refused for, and the field the 400 names. */
const USER = '00000001-1111-4222-8333-000000000001';
const detection = {
  id: 'd-1',
  userId: USER,
  riskEventType: 'leakedCredentials',
  riskLevel: 'low',
  detectionTimingType: 'offline',
  activity: 'user',
  activityDateTime: '2026-11-20T05:00:00Z',
  detectedDateTime: '2026-11-20T06:00:00Z',
};
const signIn = {
  id: 's-1',
  userId: USER,
  userPrincipalName: 'someone@t.example',
  createdDateTime: '2026-11-20T05:00:00Z',
  riskDetections: [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'medium' }],
};
const remediation = { userId: USER, kind: 'adminPasswordReset', occurredDateTime: '2026-11-20T05:00:00Z' };

function refusal(
  schema: { safeParse: (v: unknown) => unknown },
  value: unknown,
): { path: string; message: string }[] {
  const result = schema.safeParse(value) as {
    success: boolean;
    error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
  };
  expect(result.success, JSON.stringify(value)).toBe(false);
  return result.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('ingested items (R-X1)', () => {
  it('the valid items pass', () => {
    expect(DetectionInput.safeParse(detection).success).toBe(true);
    expect(SignInInput.safeParse(signIn).success).toBe(true);
    expect(RemediationInput.safeParse(remediation).success).toBe(true);
  });

  it('a catalogue violation names the field at fault: the type, its timing or its fixed level', () => {
    expect(refusal(DetectionInput, { ...detection, riskEventType: 'noSuchThing' })).toEqual([
      { path: 'riskEventType', message: expect.stringMatching(/not a known user detection/) },
    ]);
    expect(refusal(DetectionInput, { ...detection, detectionTimingType: 'realtime' })).toEqual([
      { path: 'detectionTimingType', message: expect.stringMatching(/'realtime' is not allowed/) },
    ]);
    expect(
      refusal(DetectionInput, { ...detection, riskEventType: 'attemptedPrtAccess', riskLevel: 'low' }),
    ).toEqual([{ path: 'riskLevel', message: "riskLevel of 'attemptedPrtAccess' is always 'high'" }]);
    // A sign-in's own detections are real-time: an offline-only type is the type's fault.
    const offlineOnly = {
      ...signIn,
      riskDetections: [{ riskEventType: 'unlikelyTravel', riskLevel: 'low' }],
    };
    expect(refusal(SignInInput, offlineOnly)).toEqual([
      { path: 'riskDetections.0.riskEventType', message: expect.stringMatching(/'realtime' is not allowed/) },
    ]);
  });

  it.each([
    ['DetectionInput', 'activityDateTime', DetectionInput, detection],
    ['DetectionInput', 'detectedDateTime', DetectionInput, detection],
    ['SignInInput', 'createdDateTime', SignInInput, signIn],
    ['RemediationInput', 'occurredDateTime', RemediationInput, remediation],
  ] as const)('R-E4: an event time in the future is refused (%s.%s)', (_name, field, schema, valid) => {
    const ahead = new Date(Date.now() + 10 * 60_000).toISOString();
    expect(refusal(schema, { ...valid, [field]: ahead })).toEqual([
      { path: field, message: expect.stringMatching(/must not be in the future/) },
    ]);
    expect(refusal(schema, { ...valid, [field]: '2099-01-01T00:00:00Z' })).toEqual([
      { path: field, message: expect.stringMatching(/must not be in the future/) },
    ]);
    // Past, and a minute ahead (clock skew between systems): accepted.
    for (const fine of ['1999-01-01T00:00:00+09:00', new Date(Date.now() + 60_000).toISOString()])
      expect(schema.safeParse({ ...valid, [field]: fine }).success, fine).toBe(true);
  });

  it('a time whose UTC instant leaves the years 0000 to 9999 is refused', () => {
    expect(refusal(DetectionInput, { ...detection, activityDateTime: '0000-01-01T00:00:00+01:00' })).toEqual([
      { path: 'activityDateTime', message: expect.stringMatching(/years 0000 to 9999/) },
    ]);
  });
});
