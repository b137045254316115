/**
 * Who receives the "users at risk detected" alert (R-E6) and, by default, the weekly
 * digest (R-D3). Pure: directory data and the sending time in, the list out.
 */

export const recipientRoles = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  '194ae4cb-b126-40b2-bd5b-6091b380977d': 'Security Administrator',
  '5d6b6bb7-de71-4623-b4af-96380a352509': 'Security Reader',
} as const;

export const MAX_PER_ROLE = 20;

export interface AssignmentInput {
  roleTemplateId: string;
  principalId: string;
  principalType: 'user' | 'group';
  assignmentType: 'active' | 'eligible';
  activations?: ReadonlyArray<{ from: string; until: string }> | undefined;
  createdDateTime: string;
}

export interface DirectoryPerson {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail?: string | undefined;
  otherMails?: readonly string[] | undefined;
}

export interface RecipientReason {
  roleTemplateId: string;
  roleName: string;
  assignmentType: 'active' | 'eligible';
  /** For an eligible assignment: the end of the activation that covers the sending time. */
  activeUntil?: string;
}

export interface Recipient {
  address: string;
  /** The directory user, or undefined for a custom address. */
  userId?: string;
  userPrincipalName?: string;
  displayName?: string;
  reasons: RecipientReason[];
  custom: boolean;
}

export interface ResolvedRecipients {
  /** Who gets the email. */
  recipients: Recipient[];
  /** Role holders left out, with why; shown by the recipients API so an admin can see the whole picture. */
  excluded: Array<{ userId: string; reason: string }>;
}

/** `mail`, else the first of `otherMails` (R-E6). */
export function usableAddress(person: DirectoryPerson): string | undefined {
  const mail = person.mail?.trim();
  if (mail) return mail;
  return person.otherMails?.find((m) => m.trim() !== '')?.trim();
}

function activeAt(a: AssignmentInput, at: Date): { active: boolean; until?: string } {
  if (a.assignmentType === 'active') return { active: true };
  const t = at.getTime();
  const window = a.activations?.find((w) => Date.parse(w.from) <= t && t < Date.parse(w.until));
  return window ? { active: true, until: window.until } : { active: false };
}

/**
 * R-E6: direct (user) assignments of Global Administrator, Security Administrator and
 * Security Reader; active, or eligible with an activation covering `at`; a usable
 * address; the first 20 per role by assignment `createdDateTime`; one entry per person;
 * switched-off people removed (they keep their place among the 20: switching someone off
 * does not pull in the 21st); custom addresses added.
 */
export function resolveRecipients(input: {
  assignments: readonly AssignmentInput[];
  people: ReadonlyMap<string, DirectoryPerson>;
  disabledRecipientIds: readonly string[];
  customRecipients: readonly string[];
  at: Date;
}): ResolvedRecipients {
  const excluded: ResolvedRecipients['excluded'] = [];
  const byPerson = new Map<string, Recipient>();
  for (const [roleTemplateId, roleName] of Object.entries(recipientRoles)) {
    const holders = input.assignments
      .filter((a) => a.roleTemplateId === roleTemplateId)
      .sort((x, y) =>
        x.createdDateTime < y.createdDateTime
          ? -1
          : x.createdDateTime > y.createdDateTime
            ? 1
            : x.principalId < y.principalId
              ? -1
              : 1,
      );
    // Places are per person: one holding the role twice (active, and an activated PIM
    // assignment) takes one of the 20.
    const placed = new Set<string>();
    for (const a of holders) {
      if (placed.has(a.principalId)) continue;
      if (a.principalType !== 'user') {
        excluded.push({
          userId: a.principalId,
          reason: `${roleName} is assigned through a group; group-assigned roles are not emailed`,
        });
        continue;
      }
      const activation = activeAt(a, input.at);
      if (!activation.active) {
        excluded.push({
          userId: a.principalId,
          reason: `${roleName} is eligible (PIM) but not activated now`,
        });
        continue;
      }
      const person = input.people.get(a.principalId);
      if (!person) {
        excluded.push({
          userId: a.principalId,
          reason: `${roleName} holder is not in the directory (import the user to email them)`,
        });
        continue;
      }
      const address = usableAddress(person);
      if (!address) {
        excluded.push({
          userId: a.principalId,
          reason: `${roleName} holder has no mail or other mail address`,
        });
        continue;
      }
      if (placed.size >= MAX_PER_ROLE) {
        excluded.push({
          userId: a.principalId,
          reason: `${roleName} already has ${MAX_PER_ROLE} recipients (earlier assignments first)`,
        });
        continue;
      }
      placed.add(a.principalId);
      const reason: RecipientReason = {
        roleTemplateId,
        roleName,
        assignmentType: a.assignmentType,
        ...(activation.until ? { activeUntil: activation.until } : {}),
      };
      const existing = byPerson.get(person.id);
      if (existing) existing.reasons.push(reason);
      else
        byPerson.set(person.id, {
          address,
          userId: person.id,
          userPrincipalName: person.userPrincipalName,
          displayName: person.displayName,
          reasons: [reason],
          custom: false,
        });
    }
  }
  const disabled = new Set(input.disabledRecipientIds.map((id) => id.toLowerCase()));
  const recipients: Recipient[] = [];
  const addresses = new Set<string>();
  for (const r of byPerson.values()) {
    if (disabled.has(r.userId!)) {
      excluded.push({ userId: r.userId!, reason: 'switched off by an administrator' });
      continue;
    }
    if (addresses.has(r.address.toLowerCase())) {
      excluded.push({
        userId: r.userId!,
        reason: `shares the address ${r.address} with an earlier recipient, who gets the one email`,
      });
      continue;
    }
    addresses.add(r.address.toLowerCase());
    recipients.push(r);
  }
  for (const address of input.customRecipients) {
    if (addresses.has(address.toLowerCase())) continue;
    addresses.add(address.toLowerCase());
    recipients.push({ address, reasons: [], custom: true });
  }
  // Someone emailed through one assignment is not "excluded" for another: the recipient's
  // reasons say why they are there; the exclusions explain who gets nothing.
  const emailed = new Set(recipients.flatMap((r) => (r.userId ? [r.userId] : [])));
  return { recipients, excluded: excluded.filter((e) => !emailed.has(e.userId)) };
}
