import { describe, expect, it } from 'vitest';
import { nextOccurrence, parseCron } from '../../../shared/domain/ncrontab';

function next(expression: string, after: string): string | undefined {
  return nextOccurrence(parseCron(expression), new Date(after))?.toISOString();
}

describe('NCRONTAB parsing', () => {
  it('expands *, lists, ranges and steps', () => {
    const schedule = parseCron('*/15 0,30 1-10/3 * * *');
    expect(schedule.seconds).toEqual([0, 15, 30, 45]);
    expect(schedule.minutes).toEqual([0, 30]);
    expect(schedule.hours).toEqual([1, 4, 7, 10]);
    expect(schedule.days).toHaveLength(31);
    expect(schedule.months).toHaveLength(12);
    expect(schedule.daysOfWeek).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('reads "a/step" as from a to the end of the field', () => {
    expect(parseCron('5/20 * * * * *').seconds).toEqual([5, 25, 45]);
  });

  it('accepts month and day names', () => {
    const schedule = parseCron('0 0 8 * Jan,december Mon-Fri');
    expect(schedule.months).toEqual([1, 12]);
    expect(schedule.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
  });

  it('treats the 5-field form as minutes-first with second 0', () => {
    const schedule = parseCron('*/10 * * * *');
    expect(schedule.seconds).toEqual([0]);
    expect(schedule.minutes).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it.each([
    ['* * * *', /6 fields/],
    ['60 * * * * *', /out of range/],
    ['0 0 24 * * *', /out of range/],
    ['0 0 0 0 * *', /out of range/],
    ['0 0 0 * 13 *', /out of range/],
    ['0 0 0 * * 7', /out of range/],
    ['*/0 * * * * *', /step/],
    ['0 0 0 5-1 * *', /backwards/],
    ['0 0 0 ? * *', /Invalid/],
    ['0 0 0 * * Xyz', /Invalid/],
  ])('rejects %s', (expression, reason) => {
    expect(() => parseCron(expression)).toThrow(reason);
  });
});

describe('NCRONTAB next occurrence (UTC)', () => {
  it('is strictly after the given time', () => {
    expect(next('0 */5 * * * *', '2026-03-10T10:02:30Z')).toBe('2026-03-10T10:05:00.000Z');
    expect(next('0 */5 * * * *', '2026-03-10T10:05:00Z')).toBe('2026-03-10T10:10:00.000Z');
    expect(next('0 */5 * * * *', '2026-03-10T10:04:59.999Z')).toBe('2026-03-10T10:05:00.000Z');
  });

  it('steps through seconds and rolls minutes over', () => {
    expect(next('*/15 * * * * *', '2026-03-10T10:00:14Z')).toBe('2026-03-10T10:00:15.000Z');
    expect(next('*/15 * * * * *', '2026-03-10T10:00:59Z')).toBe('2026-03-10T10:01:00.000Z');
  });

  it('runs the weekly digest default (Monday 09:00) once a week', () => {
    // 2026-03-09 is a Monday.
    expect(next('0 0 9 * * 1', '2026-03-07T12:00:00Z')).toBe('2026-03-09T09:00:00.000Z');
    expect(next('0 0 9 * * 1', '2026-03-09T09:00:00Z')).toBe('2026-03-16T09:00:00.000Z');
  });

  it('skips to the next weekday in range', () => {
    expect(next('0 30 9 * * 1-5', '2026-03-13T10:00:00Z')).toBe('2026-03-16T09:30:00.000Z'); // Fri → Mon
  });

  it('rolls over months and years', () => {
    expect(next('0 0 0 31 * *', '2026-04-01T00:00:00Z')).toBe('2026-05-31T00:00:00.000Z');
    expect(next('0 0 0 * * *', '2026-12-31T12:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('0 0 0 1 1 *', '2026-06-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
  });

  it('finds the next leap day', () => {
    expect(next('0 0 12 29 2 *', '2025-03-01T00:00:00Z')).toBe('2028-02-29T12:00:00.000Z');
  });

  it('requires both day-of-month and day-of-week to match, as NCrontab does', () => {
    // Friday the 13th; 2026-02-13 is the first after New Year.
    expect(next('0 0 0 13 * 5', '2026-01-01T00:00:00Z')).toBe('2026-02-13T00:00:00.000Z');
  });

  it('returns undefined for a schedule that never occurs', () => {
    expect(next('0 0 0 30 2 *', '2026-01-01T00:00:00Z')).toBeUndefined();
  });
});
