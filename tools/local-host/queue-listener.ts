import { randomUUID } from 'node:crypto';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { QueueSettings } from './host-config';
import { errorMessage, type Invoker, type LogLine } from './invoke';
import { resolveAppSettings, stringOption, triggerOf, type Registration } from './registrations';
import type { CoreInvocationRequest, RpcTypedData } from './rpc';
import { sleep } from './sleep';
import { connectionStringFor, normalizeQueueName, queueClientFor } from './storage';

/** Azure starts polling this fast and backs off exponentially up to `maxPollingInterval`. */
export const MIN_POLLING_INTERVAL_MS = 100;
/** Azure's visibility timeout while a message is being processed; it renews it at half-time. */
const PROCESSING_VISIBILITY_SECONDS = 600;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The message text as the function sees it, or `undefined` when base64 decoding fails. */
export function decodeMessageText(
  text: string,
  encoding: QueueSettings['messageEncoding'],
): string | undefined {
  if (encoding === 'none') return text;
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** JSON text goes as `{json}` (the library parses it), anything else as `{string}`. */
export function queuePayload(body: string, dataType: string | undefined): RpcTypedData {
  if (dataType === 'binary') return { bytes: Buffer.from(body, 'utf8') };
  try {
    JSON.parse(body);
    return { json: body };
  } catch {
    return { string: body };
  }
}

interface MessageFacts {
  readonly id: string;
  readonly popReceipt: string;
  readonly dequeueCount: number;
  readonly insertedOn?: Date;
  readonly expiresOn?: Date;
  readonly nextVisibleOn?: Date;
}

/** PascalCase like the Azure host sends; the library camel-cases keys (dequeueCount, id, ...). */
function triggerMetadata(
  functionName: string,
  body: string,
  facts: MessageFacts,
): Record<string, RpcTypedData> {
  const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });
  return {
    QueueTrigger: { string: body },
    DequeueCount: json(facts.dequeueCount),
    Id: json(facts.id),
    PopReceipt: json(facts.popReceipt),
    InsertionTime: json(facts.insertedOn?.toISOString() ?? null),
    ExpirationTime: json(facts.expiresOn?.toISOString() ?? null),
    NextVisibleTime: json(facts.nextVisibleOn?.toISOString() ?? null),
    sys: json({ MethodName: functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() }),
  };
}

/** Polls one queue for one queue-triggered function, with Azure's retry and poison rules. */
export class QueueListener {
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  #loop: Promise<void> | undefined;
  #client: QueueClient | undefined;
  #poison: QueueClient | undefined;
  #poisonReady: Promise<unknown> | undefined;
  /** Resolves the poll loop's wait for a free slot; set only while it waits. */
  #wake: (() => void) | undefined;

  constructor(
    readonly registration: Registration,
    private readonly settings: QueueSettings,
    private readonly invoker: Invoker,
    private readonly log: LogLine,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get queueName(): string {
    const what = `Function "${this.registration.name}" queueName`;
    const raw = stringOption(triggerOf(this.registration).binding, 'queueName') ?? '';
    return normalizeQueueName(resolveAppSettings(raw, this.env, what), what);
  }

  start(): Promise<void> {
    const connection = stringOption(triggerOf(this.registration).binding, 'connection');
    const connectionString = connectionStringFor(connection, this.env);
    const queueName = this.queueName;
    this.#client = queueClientFor(connectionString, queueName);
    this.#poison = queueClientFor(connectionString, `${queueName}-poison`);
    // Like Azure's host, an unreachable storage account does not stop the host from
    // serving HTTP: the listener keeps trying to reach its queue in the background.
    this.#loop = this.#ensureQueue(this.#client).then((ready) =>
      ready ? this.#poll(this.#client!) : undefined,
    );
    return Promise.resolve();
  }

  /** Stops polling, then waits for the messages already received. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wakePoll();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** The admin endpoint's run: `input` is the message payload, delivered without the queue. */
  invokeDirect(input: string): Promise<unknown> {
    const body = input;
    return this.invoker.invoke(
      this.registration,
      this.#request(body, { id: randomUUID(), popReceipt: '', dequeueCount: 0 }),
      'This function was programmatically called via the host APIs.',
    );
  }

  #request(body: string, facts: MessageFacts): CoreInvocationRequest {
    const trigger = triggerOf(this.registration);
    return {
      inputData: [
        { name: trigger.bindingName, data: queuePayload(body, stringOption(trigger.binding, 'dataType')) },
      ],
      triggerMetadata: triggerMetadata(this.registration.name, body, facts),
    };
  }

  async #ensureQueue(client: QueueClient): Promise<boolean> {
    const signal = this.#abort.signal;
    let delay = MIN_POLLING_INTERVAL_MS;
    while (!signal.aborted) {
      try {
        await client.createIfNotExists();
        return true;
      } catch (error) {
        this.log(`[host] queue "${this.queueName}" is not reachable yet (${errorMessage(error)}); retrying`);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.settings.maxPollingIntervalMs);
      }
    }
    return false;
  }

  async #poll(client: QueueClient): Promise<void> {
    const signal = this.#abort.signal;
    let delay = MIN_POLLING_INTERVAL_MS;
    while (!signal.aborted) {
      if (this.#inFlight.size > this.settings.newBatchThreshold) {
        // Azure fetches the next batch only once the running ones drop to newBatchThreshold.
        // Woken by a finished message or by stop(), not by a timer or a listener on the
        // signal: a wake happens per message, and each would leave one behind.
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      let messages: DequeuedMessageItem[];
      try {
        const received = await client.receiveMessages({
          numberOfMessages: this.settings.batchSize,
          visibilityTimeout: PROCESSING_VISIBILITY_SECONDS,
          abortSignal: signal,
        });
        messages = received.receivedMessageItems;
      } catch (error) {
        if (signal.aborted) break;
        this.log(`[${this.registration.name}] polling queue "${client.name}" failed: ${errorMessage(error)}`);
        messages = [];
      }
      if (messages.length === 0) {
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.settings.maxPollingIntervalMs);
        continue;
      }
      delay = MIN_POLLING_INTERVAL_MS;
      for (const message of messages) {
        const processing = this.#process(client, message).catch((error: unknown) =>
          this.log(`[${this.registration.name}] message ${message.messageId}: ${errorMessage(error)}`),
        );
        this.#inFlight.add(processing);
        void processing.finally(() => {
          this.#inFlight.delete(processing);
          this.#wakePoll();
        });
      }
    }
  }

  #wakePoll(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #process(client: QueueClient, message: DequeuedMessageItem): Promise<void> {
    const { maxDequeueCount, messageEncoding, visibilityTimeoutMs } = this.settings;
    if (message.dequeueCount > maxDequeueCount) {
      await this.#moveToPoison(
        client,
        message,
        `its dequeue count ${message.dequeueCount} exceeds ${maxDequeueCount}`,
      );
      return;
    }
    const body = decodeMessageText(message.messageText, messageEncoding);
    if (body === undefined) {
      // Azure's queue extension poisons messages it cannot decode instead of retrying them.
      await this.#moveToPoison(client, message, 'it is not valid base64 (messageEncoding is "base64")');
      return;
    }

    const current = { popReceipt: message.popReceipt };
    const renewal = this.#keepInvisible(client, message.messageId, current);
    let failed = false;
    try {
      await this.invoker.invoke(
        this.registration,
        this.#request(body, {
          id: message.messageId,
          popReceipt: message.popReceipt,
          dequeueCount: message.dequeueCount,
          insertedOn: message.insertedOn,
          expiresOn: message.expiresOn,
          nextVisibleOn: message.nextVisibleOn,
        }),
        `New queue message detected on '${client.name}'.`,
      );
    } catch {
      failed = true; // the invoker has logged the error message
    } finally {
      clearInterval(renewal);
    }

    if (!failed) {
      await client.deleteMessage(message.messageId, current.popReceipt);
    } else if (message.dequeueCount >= maxDequeueCount) {
      await this.#moveToPoison(
        client,
        { ...message, popReceipt: current.popReceipt },
        `it failed ${message.dequeueCount} time(s) (maxDequeueCount ${maxDequeueCount})`,
      );
    } else {
      // Azure releases a failed message with host.json's visibilityTimeout as the retry delay.
      await client.updateMessage(
        message.messageId,
        current.popReceipt,
        undefined,
        Math.floor(visibilityTimeoutMs / 1000),
      );
    }
  }

  #keepInvisible(client: QueueClient, messageId: string, current: { popReceipt: string }): NodeJS.Timeout {
    return setInterval(
      () => {
        client
          .updateMessage(messageId, current.popReceipt, undefined, PROCESSING_VISIBILITY_SECONDS)
          .then((updated) => {
            if (updated.popReceipt) current.popReceipt = updated.popReceipt;
          })
          .catch((error: unknown) =>
            this.log(
              `[${this.registration.name}] could not extend message ${messageId}: ${errorMessage(error)}`,
            ),
          );
      },
      (PROCESSING_VISIBILITY_SECONDS * 1000) / 2,
    );
  }

  async #moveToPoison(client: QueueClient, message: DequeuedMessageItem, why: string): Promise<void> {
    const poison = this.#poison!;
    this.#poisonReady ??= poison.createIfNotExists().catch((error: unknown) => {
      this.#poisonReady = undefined;
      throw error;
    });
    await this.#poisonReady;
    this.log(
      `[${this.registration.name}] moving message ${message.messageId} to queue "${poison.name}": ${why}`,
    );
    // The original text, still encoded, so the poison message can be re-queued as is.
    await poison.sendMessage(message.messageText);
    await client.deleteMessage(message.messageId, message.popReceipt);
  }
}
