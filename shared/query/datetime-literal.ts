const dateTimeOffset =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(Z|([+-])(\d{2}):(\d{2}))$/i;

/**
 * Parses an OData DateTimeOffset literal (`2024-01-01T00:00:00Z`, optional seconds, fractional
 * seconds and `±hh:mm` offset) to epoch milliseconds, or `undefined` when it is not one.
 * Calendar fields are checked by hand because `Date.parse` silently rolls Feb 30 into March.
 */
export function parseDateTimeOffset(text: string): number | undefined {
  const match = dateTimeOffset.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone, sign, offsetHours, offsetMinutes] = match;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second ?? '0');
  const ms = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;

  let offsetMs = 0;
  if (zone?.toUpperCase() !== 'Z') {
    const oh = Number(offsetHours);
    const om = Number(offsetMinutes);
    if (oh > 14 || om > 59) return undefined;
    offsetMs = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }

  const instant = new Date(0);
  instant.setUTCFullYear(y, mo - 1, d);
  instant.setUTCHours(h, mi, s, ms);
  const utc = instant.getTime() - offsetMs;
  // Stored times are 4-digit-year ISO strings compared as text: an instant whose UTC year
  // leaves 0000–9999 (9999-12-31T23:30-01:00) would print as ±YYYYYY and compare wrongly.
  return utc < FIRST_INSTANT || utc > LAST_INSTANT ? undefined : utc;
}

/**
 * Whether a DateTimeOffset literal has digits beyond the millisecond that are not zero
 * (`.1234567`, as .NET and PowerShell print times): it then lies between two whole
 * milliseconds, which {@link parseDateTimeOffset} truncates it to the first of.
 */
export function hasSubMillisecondDigits(text: string): boolean {
  return /[1-9]/.test((dateTimeOffset.exec(text)?.[7] ?? '').slice(3));
}

const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}
