import type { RpcBindingInfo, RpcRetryOptions } from './rpc';

/** A function exactly as `@azure/functions` registered it (the metadata the Azure host receives). */
export interface Registration {
  readonly name: string;
  readonly bindings: Record<string, unknown>;
  readonly retryOptions?: unknown;
}

export interface TriggerBinding {
  readonly bindingName: string;
  readonly binding: RpcBindingInfo;
  /** Lower-cased, e.g. `httptrigger`, `queuetrigger`, `timertrigger`. */
  readonly type: string;
}

export function bindingsOf(registration: Registration): Record<string, RpcBindingInfo> {
  return registration.bindings as Record<string, RpcBindingInfo>;
}

export function retryOptionsOf(registration: Registration): RpcRetryOptions | undefined {
  return registration.retryOptions as RpcRetryOptions | undefined;
}

/** The single trigger binding; the library guarantees exactly one per function. */
export function triggerOf(registration: Registration): TriggerBinding {
  for (const [bindingName, binding] of Object.entries(bindingsOf(registration))) {
    const type = typeof binding.type === 'string' ? binding.type.toLowerCase() : '';
    if (binding.direction === 'in' && type.endsWith('trigger')) return { bindingName, binding, type };
  }
  throw new Error(`Function "${registration.name}" has no trigger binding`);
}

export function stringOption(binding: RpcBindingInfo, key: string): string | undefined {
  const value = binding[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Resolves `%SETTING%` references against app settings, as Azure does for binding options such
 * as `schedule` and `queueName`; a missing setting is an error, not an empty string.
 */
export function resolveAppSettings(value: string, env: NodeJS.ProcessEnv, what: string): string {
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const setting = env[name];
    if (setting === undefined || setting === '') {
      throw new Error(`${what}: app setting "${name}" (referenced as %${name}%) is not set`);
    }
    return setting;
  });
}

export function findRegistration<R extends Registration>(
  registrations: readonly R[],
  name: string,
): R | undefined {
  const wanted = name.toLowerCase();
  return registrations.find((r) => r.name.toLowerCase() === wanted);
}
