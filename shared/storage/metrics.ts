import type { TableClient } from '@azure/data-tables';

type PipelinePolicy = Parameters<TableClient['pipeline']['addPolicy']>[0];

/**
 * Counts storage round trips: the stable cost measure on a noisy machine. Tables are
 * counted by a pipeline policy on every request; queues by our queue wrapper.
 */
export const storageMetrics = {
  tableRequests: 0,
  queueRequests: 0,
  get total(): number {
    return this.tableRequests + this.queueRequests;
  },
  reset(): void {
    this.tableRequests = 0;
    this.queueRequests = 0;
  },
};

export const countingPolicy: PipelinePolicy = {
  name: 'riskloopRoundTripCounter',
  sendRequest(request, next) {
    storageMetrics.tableRequests += 1;
    return next(request);
  },
};
