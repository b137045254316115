import { describe, expect, it } from 'vitest';
import { userPieces } from '../../../shared/storage/notification-store';

const user = (i: number, nameLength: number) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  userPrincipalName: `user${i}@contoso.example`,
  displayName: `Ü${'x'.repeat(nameLength)}`,
  riskLevel: 'high',
});

describe('notification log entries of any size (R-E5: everyone who qualified is logged)', () => {
  it('keeps a short list in one piece', () => {
    const users = [user(1, 10), user(2, 10)];
    expect(userPieces(users)).toEqual([JSON.stringify(users)]);
    expect(userPieces([])).toEqual(['[]']);
  });

  it('splits a long list into pieces that each fit one string property, losing and repeating nobody', () => {
    const users = Array.from({ length: 5_000 }, (_, i) => user(i, i % 7 === 0 ? 256 : 20));
    const pieces = userPieces(users);
    expect(pieces.length).toBeGreaterThan(1);
    // Table Storage: a string property holds at most 32K UTF-16 code units.
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(30_000);
    expect(pieces.flatMap((p) => JSON.parse(p) as unknown[])).toEqual(users);
  });
});
