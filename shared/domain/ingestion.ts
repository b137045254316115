import { z } from 'zod';
import { catalogueViolation } from './catalogue';
import { EventDateTime, ExternalId, Guid } from './ids';
import { DetectionLevel } from './levels';

/** Ingestion bodies of SPEC §7 (riskloop's own routes), with the catalogue checks of R-X1. */

const Location = z.strictObject({
  city: z.string().max(200).optional(),
  state: z.string().max(200).optional(),
  countryOrRegion: z.string().max(200).optional(),
});

const Text = (max: number) => z.string().max(max);

export const RealtimeDetectionInput = z.strictObject({
  riskEventType: z.string().min(1).max(100),
  riskLevel: DetectionLevel,
});

export const SignInInput = z
  .strictObject({
    id: ExternalId,
    userId: Guid,
    userPrincipalName: Text(256).min(1),
    userDisplayName: Text(256).optional(),
    createdDateTime: EventDateTime,
    ipAddress: Text(64).optional(),
    location: Location.optional(),
    status: z.strictObject({ errorCode: z.number().int(), failureReason: Text(1000).optional() }).optional(),
    riskDetections: z.array(RealtimeDetectionInput).max(20).default([]),
  })
  .superRefine((s, ctx) => {
    s.riskDetections.forEach((d, i) => {
      const problem = catalogueViolation({ ...d, activity: 'signin', detectionTimingType: 'realtime' });
      // A sign-in's detections are real-time by definition: a type that cannot be is its riskEventType's fault.
      const field = problem?.field === 'riskLevel' ? 'riskLevel' : 'riskEventType';
      if (problem)
        ctx.addIssue({ code: 'custom', path: ['riskDetections', i, field], message: problem.message });
    });
  });
export type SignInInput = z.infer<typeof SignInInput>;

/** Matches the ids {@link realtimeDetectionId} makes. */
const REALTIME_ID = /:rt\d+$/;

export const DetectionInput = z
  .strictObject({
    id: ExternalId,
    userId: Guid,
    requestId: ExternalId.optional(),
    riskEventType: z.string().min(1).max(100),
    riskLevel: DetectionLevel,
    detectionTimingType: z.enum(['realtime', 'offline']),
    activity: z.enum(['signin', 'user']),
    activityDateTime: EventDateTime,
    detectedDateTime: EventDateTime,
    ipAddress: Text(64).optional(),
    location: Location.optional(),
    source: Text(100).optional(),
    additionalInfo: Text(8_000).optional(),
  })
  .superRefine((d, ctx) => {
    const problem = catalogueViolation(d);
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    if (REALTIME_ID.test(d.id)) {
      // Shared with the ids of sign-ins' real-time detections: a collision would make the
      // later sign-in look like a duplicate and be dropped.
      ctx.addIssue({
        code: 'custom',
        path: ['id'],
        message: "ids ending in ':rt<n>' are reserved for the real-time detections of sign-ins",
      });
    }
    if (d.activity === 'signin' && !d.requestId) {
      ctx.addIssue({
        code: 'custom',
        path: ['requestId'],
        message: 'a sign-in detection needs the requestId of its sign-in',
      });
    }
    if (d.activity === 'user' && d.requestId) {
      ctx.addIssue({
        code: 'custom',
        path: ['requestId'],
        message: 'a user detection is not linked to a sign-in',
      });
    }
  });
export type DetectionInput = z.infer<typeof DetectionInput>;

export const remediationKinds = [
  'adminPasswordReset',
  'selfServicePasswordReset',
  'securePasswordChange',
  'mfaPassed',
] as const;

export const RemediationInput = z
  .strictObject({
    userId: Guid,
    kind: z.enum(remediationKinds),
    requestId: ExternalId.optional(),
    occurredDateTime: EventDateTime,
  })
  .superRefine((r, ctx) => {
    if (r.kind === 'mfaPassed' && !r.requestId) {
      ctx.addIssue({
        code: 'custom',
        path: ['requestId'],
        message: 'mfaPassed needs the requestId of the sign-in',
      });
    }
    if (r.kind !== 'mfaPassed' && r.requestId) {
      ctx.addIssue({
        code: 'custom',
        path: ['requestId'],
        message: `${r.kind} applies to the user, not to a sign-in`,
      });
    }
  });
export type RemediationInput = z.infer<typeof RemediationInput>;

export const SignInBatch = z.strictObject({ value: z.array(SignInInput).min(1).max(500) });
export const DetectionBatch = z.strictObject({ value: z.array(DetectionInput).min(1).max(1000) });
export const RemediationBatch = z.strictObject({ value: z.array(RemediationInput).min(1).max(1000) });

/** The id riskloop gives the n-th real-time detection of a sign-in: stable, so re-ingestion is a no-op. */
export function realtimeDetectionId(signInId: string, index: number): string {
  return `${signInId}:rt${index}`;
}
