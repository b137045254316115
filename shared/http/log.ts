import type { InvocationContext } from '@azure/functions';

/**
 * Outcomes an operator must act on (docs/DEPLOY.md §8): logged with `context.warn`, which
 * Application Insights records at `severityLevel` 2, so they show among the warnings.
 */
const ATTENTION = new Set(['poisoned', 'failed', 'interrupted', 'deferred']);

/**
 * One structured line per queue invocation (Application Insights adds its own invocation
 * context): the tenant, the delivery count and the outcome. The message itself is never
 * logged — only its tenant id, when it has a well-formed one.
 */
export function logOutcome(
  context: InvocationContext,
  message: unknown,
  outcome: { readonly outcome: string },
): void {
  const tenantId =
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { tenantId?: unknown }).tenantId === 'string'
      ? (message as { tenantId: string }).tenantId
      : undefined;
  const line = JSON.stringify({
    event: 'queueMessage',
    function: context.functionName,
    invocationId: context.invocationId,
    ...(tenantId && /^[0-9a-f-]{36}$/i.test(tenantId) ? { tenantId } : {}),
    dequeueCount: Number(context.triggerMetadata?.dequeueCount ?? 0),
    ...outcome,
  });
  if (ATTENTION.has(outcome.outcome)) context.warn(line);
  else context.log(line);
}
