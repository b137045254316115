import { describe, expect, it } from 'vitest';
import {
  MAX_PER_ROLE,
  resolveRecipients,
  type AssignmentInput,
  type DirectoryPerson,
} from '../../../shared/domain/recipients';

const GA = '62e90394-69f5-4237-9190-012177145e10';
const SA = '194ae4cb-b126-40b2-bd5b-6091b380977d';
const SR = '5d6b6bb7-de71-4623-b4af-96380a352509';
const SO = '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f';
const at = new Date('2026-11-20T12:00:00Z');

const person = (n: number, extra: Partial<DirectoryPerson> = {}): DirectoryPerson => ({
  id: `p${n}`,
  userPrincipalName: `p${n}@t.example`,
  displayName: `Person ${n}`,
  mail: `p${n}@t.example`,
  ...extra,
});
const assign = (
  role: string,
  principalId: string,
  extra: Partial<AssignmentInput> = {},
): AssignmentInput => ({
  roleTemplateId: role,
  principalId,
  principalType: 'user',
  assignmentType: 'active',
  createdDateTime: '2024-01-01T00:00:00Z',
  ...extra,
});
const resolve = (
  assignments: AssignmentInput[],
  people: DirectoryPerson[],
  extra: { disabled?: string[]; custom?: string[] } = {},
) =>
  resolveRecipients({
    assignments,
    people: new Map(people.map((p) => [p.id, p])),
    disabledRecipientIds: extra.disabled ?? [],
    customRecipients: extra.custom ?? [],
    at,
  });

describe('alert recipients (R-E6)', () => {
  it('takes Global Administrator, Security Administrator and Security Reader holders, not other roles', () => {
    const r = resolve(
      [assign(GA, 'p1'), assign(SA, 'p2'), assign(SR, 'p3'), assign(SO, 'p4')],
      [1, 2, 3, 4].map((n) => person(n)),
    );
    expect(r.recipients.map((x) => x.address)).toEqual(['p1@t.example', 'p2@t.example', 'p3@t.example']);
  });

  it('leaves out group-assigned roles', () => {
    const r = resolve([assign(SA, 'g1', { principalType: 'group' })], []);
    expect(r.recipients).toEqual([]);
    expect(r.excluded[0]?.reason).toMatch(/group/);
  });

  it('counts an eligible (PIM) assignment only while an activation covers the sending time', () => {
    const covering = assign(SA, 'p1', {
      assignmentType: 'eligible',
      activations: [{ from: '2026-11-20T11:00:00Z', until: '2026-11-20T13:00:00Z' }],
    });
    const expired = assign(SA, 'p2', {
      assignmentType: 'eligible',
      activations: [{ from: '2026-11-19T11:00:00Z', until: '2026-11-19T13:00:00Z' }],
    });
    const r = resolve([covering, expired], [person(1), person(2)]);
    expect(r.recipients.map((x) => x.userId)).toEqual(['p1']);
    expect(r.recipients[0]?.reasons[0]).toMatchObject({
      assignmentType: 'eligible',
      activeUntil: '2026-11-20T13:00:00Z',
    });
  });

  it('uses mail, else the first otherMails; no usable address → left out', () => {
    const r = resolve(
      [assign(SR, 'p1'), assign(SR, 'p2')],
      [
        person(1, { mail: '', otherMails: ['first@x.example', 'second@x.example'] }),
        person(2, { mail: '', otherMails: [] }),
      ],
    );
    expect(r.recipients.map((x) => x.address)).toEqual(['first@x.example']);
    expect(r.excluded).toEqual([{ userId: 'p2', reason: expect.stringMatching(/no mail/) }]);
  });

  it('R-E6: a role holder missing from the directory is excluded as such, not as one without an address', () => {
    const r = resolve([assign(GA, 'p1'), assign(SA, 'p9')], [person(1)]);
    expect(r.recipients.map((x) => x.address)).toEqual(['p1@t.example']);
    expect(r.excluded).toEqual([{ userId: 'p9', reason: expect.stringMatching(/not in the directory/) }]);
  });

  it(`takes at most ${MAX_PER_ROLE} per role in createdDateTime order`, () => {
    const people = Array.from({ length: 25 }, (_, i) => person(i + 1));
    const assignments = people.map((p, i) =>
      assign(SR, p.id, { createdDateTime: new Date(Date.UTC(2024, 0, 25 - i)).toISOString() }),
    );
    const r = resolve(assignments, people);
    expect(r.recipients).toHaveLength(20);
    // The newest five assignments (p1…p5) are the ones left out.
    expect(r.recipients.map((x) => x.userId)).not.toContain('p1');
    expect(r.recipients.map((x) => x.userId)).toContain('p25');
  });

  it(`a person holding one role twice takes one of its ${MAX_PER_ROLE} places`, () => {
    const twice = person(1);
    const others = Array.from({ length: 20 }, (_, i) => person(i + 2));
    const r = resolve(
      [
        assign(GA, twice.id, { createdDateTime: '2023-01-01T00:00:00Z' }),
        assign(GA, twice.id, {
          assignmentType: 'eligible',
          createdDateTime: '2023-02-01T00:00:00Z',
          activations: [{ from: '2026-11-20T11:00:00Z', until: '2026-11-20T13:00:00Z' }],
        }),
        ...others.map((p, i) =>
          assign(GA, p.id, { createdDateTime: new Date(Date.UTC(2024, 0, 1 + i)).toISOString() }),
        ),
      ],
      [twice, ...others],
    );
    expect(r.recipients).toHaveLength(20);
    expect(r.recipients.map((x) => x.userId)).toEqual([twice, ...others.slice(0, 19)].map((p) => p.id));
    expect(r.recipients[0]?.reasons).toHaveLength(1);
    expect(r.excluded).toEqual([{ userId: others[19]!.id, reason: expect.stringMatching(/already has 20/) }]);
  });

  it('a person with two roles gets one email, with both reasons', () => {
    const r = resolve([assign(GA, 'p1'), assign(SR, 'p1')], [person(1)]);
    expect(r.recipients).toHaveLength(1);
    expect(r.recipients[0]?.reasons.map((x) => x.roleName)).toEqual([
      'Global Administrator',
      'Security Reader',
    ]);
  });

  it('explains who gets nothing, and only them: one emailed through another assignment is not excluded; one sharing an address is', () => {
    const r = resolve(
      [
        assign(GA, 'p1', { assignmentType: 'eligible', createdDateTime: '2020-01-01T00:00:00Z' }),
        assign(GA, 'p1', { createdDateTime: '2021-01-01T00:00:00Z' }),
        assign(SR, 'p2'),
        assign(SR, 'p3'),
      ],
      [person(1), person(2), person(3, { mail: 'P2@T.example' })],
    );
    expect(r.recipients.map((x) => x.userId)).toEqual(['p1', 'p2']);
    expect(r.excluded).toEqual([
      { userId: 'p3', reason: expect.stringMatching(/shares the address P2@T.example/) },
    ]);
  });

  it('honours switched-off recipients and adds custom addresses once', () => {
    const r = resolve([assign(GA, 'p1'), assign(SA, 'p2')], [person(1), person(2)], {
      disabled: ['p1'],
      custom: ['soc@t.example', 'P2@t.example'],
    });
    expect(r.recipients.map((x) => x.address)).toEqual(['p2@t.example', 'soc@t.example']);
    expect(r.excluded).toContainEqual({ userId: 'p1', reason: 'switched off by an administrator' });
  });
});
