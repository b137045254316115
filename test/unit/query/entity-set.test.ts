import { describe, expect, it } from 'vitest';
import {
  defineEntitySet,
  riskDetectionsQuery,
  riskLevelValues,
  riskyUsersQuery,
  signInsQuery,
} from '../../../shared/query';

describe('entity sets (SPEC §7 filterable properties)', () => {
  it('riskyUsers filters on the SPEC §7 properties', () => {
    for (const name of [
      'riskLevel',
      'riskState',
      'riskDetail',
      'isProcessing',
      'userPrincipalName',
      'riskLastUpdatedDateTime',
    ]) {
      expect(riskyUsersQuery.filterProperty(name)?.name).toBe(name);
    }
  });

  it('riskDetections filters on the SPEC §7 properties', () => {
    for (const name of [
      'userId',
      'riskEventType',
      'riskLevel',
      'riskState',
      'detectionTimingType',
      'activity',
      'activityDateTime',
      'detectedDateTime',
    ]) {
      expect(riskDetectionsQuery.filterProperty(name)?.name).toBe(name);
    }
  });

  it('signIns filters on the SPEC §7 properties, the risk levels typed as riskLevel', () => {
    for (const name of [
      'userId',
      'riskState',
      'riskLevelAggregated',
      'riskLevelDuringSignIn',
      'createdDateTime',
    ]) {
      expect(signInsQuery.filterProperty(name)?.name).toBe(name);
    }
    expect(signInsQuery.filterProperty('riskLevelDuringSignIn')?.schema).toMatchObject({
      enumType: 'riskLevel',
    });
  });

  it('ranks risk levels none < low < medium < high (SPEC §1)', () => {
    expect(riskLevelValues.slice(0, 4)).toEqual(['none', 'low', 'medium', 'high']);
  });

  it('defaults $top to 20 of at most 500', () => {
    expect(riskyUsersQuery.top).toEqual({ default: 20, max: 500 });
  });

  it('rejects malformed definitions at load time', () => {
    const base = { name: 'things', properties: {}, selectable: ['id'] };
    expect(() => defineEntitySet({ ...base, selectable: ['id', 'ID'] })).toThrow(/twice/);
    expect(() =>
      defineEntitySet({ ...base, properties: { level: { type: 'enum', enumType: 'level', values: [] } } }),
    ).toThrow(/no values/);
    expect(() => defineEntitySet({ ...base, properties: { "x' or 1": { type: 'string' } } })).toThrow(
      /identifier/,
    );
    expect(() => defineEntitySet({ ...base, top: { default: 600, max: 500 } })).toThrow(/top/);
  });
});
