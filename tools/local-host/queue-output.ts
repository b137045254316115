import type { QueueClient } from '@azure/storage-queue';
import type { QueueSettings } from './host-config';
import { bindingsOf, resolveAppSettings, stringOption, type Registration } from './registrations';
import type { RpcInvocationResponse, RpcTypedData } from './rpc';
import { connectionStringFor, normalizeQueueName, queueClientFor } from './storage';

const RETURN_BINDING = '$return';

/** Queue message bodies an output value stands for: an array means one message per item, as in Azure. */
export function toQueueMessages(data: RpcTypedData | null | undefined): (string | Buffer)[] {
  if (!data) return [];
  if (typeof data.string === 'string') return [data.string];
  if (data.bytes) return [Buffer.from(data.bytes)];
  if (typeof data.int === 'number') return [String(data.int)];
  if (typeof data.double === 'number') return [String(data.double)];
  if (typeof data.json === 'string') {
    const parsed: unknown = JSON.parse(data.json);
    if (!Array.isArray(parsed)) return [data.json];
    return parsed.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  }
  return [];
}

export function encodeQueueMessage(
  body: string | Buffer,
  encoding: QueueSettings['messageEncoding'],
): string {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return encoding === 'base64' ? bytes.toString('base64') : bytes.toString('utf8');
}

/** Writes `output.storageQueue(...)` bindings after a successful invocation, before it counts as done. */
export class QueueOutputWriter {
  readonly #created = new Map<string, Promise<unknown>>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly settings: QueueSettings,
  ) {}

  async write(registration: Registration, response: RpcInvocationResponse): Promise<void> {
    for (const [name, binding] of Object.entries(bindingsOf(registration))) {
      if (binding.direction !== 'out' || String(binding.type).toLowerCase() !== 'queue') continue;
      const data =
        name === RETURN_BINDING
          ? response.returnValue
          : response.outputData?.find((o) => o.name === name)?.data;
      const messages = toQueueMessages(data);
      if (messages.length === 0) continue;
      const what = `Function "${registration.name}" output "${name}"`;
      const queueName = normalizeQueueName(
        resolveAppSettings(stringOption(binding, 'queueName') ?? '', this.env, what),
        what,
      );
      const client = queueClientFor(
        connectionStringFor(stringOption(binding, 'connection'), this.env),
        queueName,
      );
      await this.#ensureQueue(client);
      for (const message of messages) {
        await client.sendMessage(encodeQueueMessage(message, this.settings.messageEncoding));
      }
    }
  }

  #ensureQueue(client: QueueClient): Promise<unknown> {
    let created = this.#created.get(client.url);
    if (!created) {
      created = client.createIfNotExists();
      // A failed create must not be cached, or the queue would never be retried.
      created.catch(() => this.#created.delete(client.url));
      this.#created.set(client.url, created);
    }
    return created;
  }
}
