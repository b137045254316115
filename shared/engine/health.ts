import { odata } from '@azure/data-tables';
import { ensureStorage, getStorage } from '../storage/clients';

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  storage: 'ok' | 'unavailable';
}

/** Healthy when Table Storage answers a cheap query (R-X6). Never reveals connection details. */
export async function checkHealth(): Promise<HealthReport> {
  try {
    await ensureStorage();
    const filter = odata`PartitionKey eq ${'health'}`;
    await getStorage()
      .tables.of('health')
      .listEntities({ queryOptions: { filter } })
      .byPage({ maxPageSize: 1 })
      .next();
    return { status: 'healthy', storage: 'ok' };
  } catch {
    return { status: 'unhealthy', storage: 'unavailable' };
  }
}
