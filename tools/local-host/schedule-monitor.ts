import type { TableClient } from '@azure/data-tables';
import { nextOccurrence, type CronSchedule } from '../../shared/domain/ncrontab';
import { tableClientFor } from './storage';

/**
 * Persisted timer status, the local counterpart of Azure's schedule monitor (Azure keeps it in
 * a blob under `azure-webjobs-hosts/timers/`; a table is what this project can reach).
 *
 * Table `LocalHostTimerStatus`: PartitionKey = the app's host id (its package.json name),
 * RowKey = function name; `last`, `next` and `lastUpdated` are ISO strings. Strings rather than
 * Edm.DateTime because "never" is .NET's DateTime.MinValue (year 1), which a table cannot store.
 */
export const TIMER_STATUS_TABLE = 'LocalHostTimerStatus';

export interface ScheduleStatus {
  readonly last: Date;
  readonly next: Date;
  readonly lastUpdated: Date;
}

/** .NET's DateTime.MinValue, the "never" of Azure's status records. */
export const NEVER = new Date('0001-01-01T00:00:00.000Z');
/** Anything before this counts as unset, as in Azure's ScheduleMonitor. */
const NEVER_THRESHOLD = new Date('0002-01-01T00:00:00.000Z');

function isSet(date: Date): boolean {
  return date.getTime() > NEVER_THRESHOLD.getTime();
}

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : NEVER;
  return Number.isNaN(date.getTime()) || !isSet(date) ? NEVER : date;
}

function requireNext(schedule: CronSchedule, after: Date): Date {
  const next = nextOccurrence(schedule, after);
  if (!next) throw new Error(`Schedule "${schedule.expression}" never occurs`);
  return next;
}

/** Keys must avoid the characters Table Storage forbids in PartitionKey/RowKey. */
function safeKey(value: string): string {
  return [...value]
    .map((ch) => {
      const code = ch.charCodeAt(0);
      return '/\\#?'.includes(ch) || code < 0x20 || (code >= 0x7f && code <= 0x9f) ? '_' : ch;
    })
    .join('');
}

export class ScheduleMonitor {
  private constructor(
    private readonly table: TableClient,
    private readonly hostId: string,
  ) {}

  static async open(connectionString: string, hostId: string): Promise<ScheduleMonitor> {
    const table = tableClientFor(connectionString, TIMER_STATUS_TABLE);
    await table.createTable();
    return new ScheduleMonitor(table, safeKey(hostId));
  }

  async getStatus(timerName: string): Promise<ScheduleStatus | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(this.hostId, safeKey(timerName));
      return {
        last: parseDate(entity.last),
        next: parseDate(entity.next),
        lastUpdated: parseDate(entity.lastUpdated),
      };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async updateStatus(timerName: string, status: ScheduleStatus): Promise<void> {
    await this.table.upsertEntity(
      {
        partitionKey: this.hostId,
        rowKey: safeKey(timerName),
        last: status.last.toISOString(),
        next: status.next.toISOString(),
        lastUpdated: status.lastUpdated.toISOString(),
      },
      'Replace',
    );
  }

  /**
   * Azure's `ScheduleMonitor.CheckPastDueAsync`: a first run records the next occurrence; a
   * changed schedule is re-based (and not reported past due); otherwise the host is past due
   * when `now` is after the recorded next occurrence. Returns how late (0 = not past due) and
   * the status now in force.
   */
  async checkPastDue(
    timerName: string,
    now: Date,
    schedule: CronSchedule,
    lastStatus: ScheduleStatus | undefined,
  ): Promise<{ pastDueMs: number; status: ScheduleStatus }> {
    let status: ScheduleStatus;
    if (!lastStatus) {
      status = { last: NEVER, next: requireNext(schedule, now), lastUpdated: now };
      await this.updateStatus(timerName, status);
    } else {
      let basis = isSet(lastStatus.last)
        ? lastStatus.last
        : isSet(lastStatus.lastUpdated)
          ? lastStatus.lastUpdated
          : now;
      let expectedNext = requireNext(schedule, basis);
      status = lastStatus;
      if (lastStatus.next.getTime() !== expectedNext.getTime()) {
        // The schedule changed since the status was written: a new schedule is not "missed".
        if (now.getTime() > expectedNext.getTime()) {
          expectedNext = requireNext(schedule, now);
          basis = now;
        }
        status = { last: NEVER, next: expectedNext, lastUpdated: basis };
        await this.updateStatus(timerName, status);
      }
    }
    return { pastDueMs: Math.max(0, now.getTime() - status.next.getTime()), status };
  }
}
