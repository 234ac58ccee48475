import { describe, expect, it } from 'vitest';
import { whatYouMay } from './format.ts';

describe('whatYouMay', () => {
  it('lists what is allowed, and groups what is not by the server\'s reason', () => {
    const waiting = { allowed: false, reason: 'Waiting for team Oncall' };
    expect(
      whatYouMay({
        decide: { ...waiting, steps: [], approve: waiting },
        cancel: { allowed: false, reason: 'Only the requester or an admin can cancel this' },
        revoke: { allowed: false, reason: 'Not approved yet' },
        reassign: { allowed: false, reason: 'Only the requester or an admin can reassign its steps' },
        comment: { allowed: true },
        grant: waiting,
      }),
    ).toEqual([
      ['you may', 'comment'],
      ['not', 'approve, reject, grant: Waiting for team Oncall; cancel: Only the requester or an admin can cancel this; revoke: Not approved yet; reassign: Only the requester or an admin can reassign its steps'],
    ]);
  });

  it('says nothing when the server did not say', () => {
    expect(whatYouMay(undefined)).toEqual([]);
  });
});
