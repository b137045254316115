/** What an email is about; also the SendGrid category, so bounces can be told apart. */
export type EmailCategory = 'usersAtRisk' | 'weeklyDigest';

/** A rendered email ready to go to its recipients. */
export interface OutgoingEmail {
  subject: string;
  html: string;
  text: string;
  /** Addresses; duplicates (case-insensitive) and blanks are dropped before sending. */
  recipients: string[];
  category: EmailCategory;
  /**
   * Names this email (the alert window, the digest's tenant and week). It travels as a
   * custom arg, so events coming back from SendGrid can be matched to it; SendGrid does not
   * deduplicate on it.
   */
  idempotencyKey: string;
}

/**
 * How a send ended. `written`: no API key, the email went to the local outbox.
 * `failed` with `retryable: true` means "try again later" (the caller throws to get a
 * queue retry); `retryable: false` means retrying cannot help (bad request, bad key).
 */
export type SendOutcome =
  | { outcome: 'sent'; messageId?: string; attempts: number }
  | { outcome: 'written'; file: string }
  | { outcome: 'failed'; status?: number; reason: string; attempts: number; retryable: boolean };
