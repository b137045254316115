/**
 * NCRONTAB, the cron dialect of Azure Functions timers: `sec min hour day month dayOfWeek`
 * (or the 5-field form without seconds), always in UTC here. Like NCrontab (and unlike Vixie
 * cron), a day must satisfy both the day-of-month and the day-of-week fields.
 */

const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names whose index + `min` is the value, matched by their first three letters or more. */
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { label: 'second', min: 0, max: 59 },
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { label: 'dayOfWeek', min: 0, max: 6, names: DAY_NAMES },
];

export interface CronSchedule {
  readonly expression: string;
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly days: readonly number[];
  readonly months: readonly number[];
  readonly daysOfWeek: readonly number[];
}

function parseValue(text: string, field: FieldSpec, expression: string): number {
  let value: number;
  if (/^\d+$/.test(text)) {
    value = Number(text);
  } else {
    const lower = text.toLowerCase();
    const index = lower.length >= 3 ? (field.names?.findIndex((n) => n.startsWith(lower)) ?? -1) : -1;
    if (index < 0) throw new Error(`Invalid ${field.label} "${text}" in schedule "${expression}"`);
    value = index + (field.label === 'month' ? 1 : 0);
  }
  if (value < field.min || value > field.max) {
    throw new Error(
      `${field.label} ${value} is out of range ${field.min}-${field.max} in schedule "${expression}"`,
    );
  }
  return value;
}

function parseField(text: string, field: FieldSpec, expression: string): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', stepText, ...extra] = item.split('/');
    if (extra.length > 0 || range === '')
      throw new Error(`Invalid ${field.label} "${item}" in schedule "${expression}"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        throw new Error(`Invalid step "${stepText}" in schedule "${expression}"`);
      }
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = field.min;
      to = field.max;
    } else if (range.includes('-')) {
      const [a = '', b = '', ...rest] = range.split('-');
      if (rest.length > 0) throw new Error(`Invalid range "${range}" in schedule "${expression}"`);
      from = parseValue(a, field, expression);
      to = parseValue(b, field, expression);
      if (from > to) throw new Error(`Range "${range}" runs backwards in schedule "${expression}"`);
    } else {
      from = parseValue(range, field, expression);
      // "5/15" means "from 5, every 15" to the end of the field, as in NCrontab.
      to = stepText === undefined ? from : field.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** Parses a 6-field (or 5-field, seconds = 0) NCRONTAB expression; throws with the reason. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length === 5) parts.unshift('0');
  if (parts.length !== 6) {
    throw new Error(`Schedule "${expression}" must have 6 fields (sec min hour day month dayOfWeek)`);
  }
  const [seconds, minutes, hours, days, months, daysOfWeek] = parts.map((p, i) =>
    parseField(p, FIELDS[i]!, expression),
  );
  return {
    expression,
    seconds: seconds!,
    minutes: minutes!,
    hours: hours!,
    days: days!,
    months: months!,
    daysOfWeek: daysOfWeek!,
  };
}

/** How far ahead to look before declaring a schedule impossible (e.g. 30 February). */
const SEARCH_YEARS = 100;

/** The first occurrence strictly after `after` (UTC, whole seconds), or `undefined` if none. */
export function nextOccurrence(schedule: CronSchedule, after: Date): Date | undefined {
  let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
  const endYear = new Date(t).getUTCFullYear() + SEARCH_YEARS;
  const firstAtOrAfter = (list: readonly number[], v: number): number | undefined => list.find((x) => x >= v);
  for (;;) {
    const d = new Date(t);
    const year = d.getUTCFullYear();
    if (year > endYear) return undefined;
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const hour = d.getUTCHours();
    const minute = d.getUTCMinutes();
    const second = d.getUTCSeconds();

    const m = firstAtOrAfter(schedule.months, month);
    if (m === undefined) {
      t = Date.UTC(year + 1, schedule.months[0]! - 1, 1);
      continue;
    }
    if (m !== month) {
      t = Date.UTC(year, m - 1, 1);
      continue;
    }
    if (!schedule.days.includes(day) || !schedule.daysOfWeek.includes(d.getUTCDay())) {
      t = Date.UTC(year, month - 1, day + 1);
      continue;
    }
    const h = firstAtOrAfter(schedule.hours, hour);
    if (h === undefined) {
      t = Date.UTC(year, month - 1, day + 1);
      continue;
    }
    if (h !== hour) {
      t = Date.UTC(year, month - 1, day, h);
      continue;
    }
    const min = firstAtOrAfter(schedule.minutes, minute);
    if (min === undefined) {
      t = Date.UTC(year, month - 1, day, hour + 1);
      continue;
    }
    if (min !== minute) {
      t = Date.UTC(year, month - 1, day, hour, min);
      continue;
    }
    const s = firstAtOrAfter(schedule.seconds, second);
    if (s === undefined) {
      t = Date.UTC(year, month - 1, day, hour, minute + 1);
      continue;
    }
    return new Date(Date.UTC(year, month - 1, day, hour, minute, s));
  }
}

/**
 * The latest occurrence at or before `atOrBefore`, or `undefined` if none within a year.
 * Searches growing windows backwards, so frequent schedules stay cheap.
 */
export function previousOccurrence(schedule: CronSchedule, atOrBefore: Date): Date | undefined {
  const limit = atOrBefore.getTime();
  for (const windowMs of [60_000, 3_600_000, 86_400_000, 8 * 86_400_000, 32 * 86_400_000, 400 * 86_400_000]) {
    let latest: Date | undefined;
    let cursor = nextOccurrence(schedule, new Date(limit - windowMs - 1000));
    while (cursor && cursor.getTime() <= limit) {
      latest = cursor;
      cursor = nextOccurrence(schedule, cursor);
    }
    if (latest) return latest;
  }
  return undefined;
}
