import { defineEntitySet, type PropertySchema } from './entity-set';
import { queryLimits } from './limits';
import {
  activityTypeValues,
  riskDetailValues,
  riskDetectionTimingTypeValues,
  riskLevelValues,
  riskStateValues,
} from './graph-enums';

const string: PropertySchema = { type: 'string' };
const boolean: PropertySchema = { type: 'boolean' };
const datetime: PropertySchema = { type: 'datetime' };
const riskLevel: PropertySchema = { type: 'enum', enumType: 'riskLevel', values: riskLevelValues };
const riskState: PropertySchema = { type: 'enum', enumType: 'riskState', values: riskStateValues };
const riskDetail: PropertySchema = { type: 'enum', enumType: 'riskDetail', values: riskDetailValues };

/** GET /identityProtection/riskyUsers (SPEC §7). */
export const riskyUsersQuery = defineEntitySet({
  name: 'riskyUsers',
  properties: {
    id: string,
    riskLevel,
    riskState,
    riskDetail,
    isProcessing: boolean,
    userPrincipalName: string,
    userDisplayName: string,
    riskLastUpdatedDateTime: datetime,
  },
  selectable: [
    'id',
    'isDeleted',
    'isProcessing',
    'riskDetail',
    'riskLastUpdatedDateTime',
    'riskLevel',
    'riskState',
    'userDisplayName',
    'userPrincipalName',
  ],
  orderable: { riskLastUpdatedDateTime: ['asc', 'desc'] },
});

/**
 * GET /identityProtection/riskDetections (SPEC §7). `riskEventType` is a plain string here;
 * callers rewrite comparisons on it for premium masking (R-L1, R-L2).
 */
export const riskDetectionsQuery = defineEntitySet({
  name: 'riskDetections',
  properties: {
    id: string,
    userId: string,
    riskEventType: string,
    riskLevel,
    riskState,
    detectionTimingType: {
      type: 'enum',
      enumType: 'riskDetectionTimingType',
      values: riskDetectionTimingTypeValues,
    },
    activity: { type: 'enum', enumType: 'activityType', values: activityTypeValues },
    activityDateTime: datetime,
    detectedDateTime: datetime,
  },
  selectable: [
    'id',
    'requestId',
    'correlationId',
    'riskEventType',
    'riskState',
    'riskLevel',
    'riskDetail',
    'source',
    'detectionTimingType',
    'activity',
    'tokenIssuerType',
    'ipAddress',
    'location',
    'activityDateTime',
    'detectedDateTime',
    'lastUpdatedDateTime',
    'userId',
    'userDisplayName',
    'userPrincipalName',
    'additionalInfo',
  ],
});

/** GET /auditLogs/signIns (SPEC §7). `$top` goes to 1,000, Graph's page size for sign-ins. */
export const signInsQuery = defineEntitySet({
  name: 'signIns',
  top: { default: queryLimits.defaultTop, max: 1000 },
  properties: {
    id: string,
    userId: string,
    userPrincipalName: string,
    riskState,
    riskLevelAggregated: riskLevel,
    riskLevelDuringSignIn: riskLevel,
    createdDateTime: datetime,
  },
  selectable: [
    'id',
    'createdDateTime',
    'userDisplayName',
    'userPrincipalName',
    'userId',
    'ipAddress',
    'location',
    'status',
    'riskDetail',
    'riskLevelAggregated',
    'riskLevelDuringSignIn',
    'riskState',
    'riskEventTypes_v2',
  ],
});

/** GET /identityProtection/riskyUsers/{id}/history: `$select` only. */
export const historyQuery = defineEntitySet({
  name: 'history',
  properties: {},
  selectable: [
    'id',
    'userId',
    'isDeleted',
    'isProcessing',
    'riskLastUpdatedDateTime',
    'riskLevel',
    'riskState',
    'riskDetail',
    'userDisplayName',
    'userPrincipalName',
    'initiatedBy',
    'activity',
  ],
});

/** GET /riskloop/notifications: the log of alert and digest emails. */
export const notificationsQuery = defineEntitySet({
  name: 'notifications',
  properties: {
    type: { type: 'enum', enumType: 'notificationType', values: ['usersAtRisk', 'weeklyDigest'] },
    outcome: {
      type: 'enum',
      enumType: 'notificationOutcome',
      values: ['sending', 'sent', 'written', 'failed', 'noRecipients'],
    },
    dateTime: { type: 'datetime' },
  },
  selectable: ['id', 'type', 'dateTime', 'recipients', 'users', 'outcome', 'reason', 'period'],
});
