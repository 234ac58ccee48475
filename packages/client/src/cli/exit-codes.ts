import type { WaitOutcome } from '@greenlight/triggers';

/**
 * The exit status of every automation command, for scripts and CI: the outcome of a wait, or 4 when
 * the command could not do its work (bad arguments, missing settings, an API error).
 */
export const EXIT = {
  /** A command that does not wait (get, list, decide, cancel, request without --wait) did its work. */
  ok: 0,
  approved: 0,
  rejected: 1,
  /** Expired or cancelled: nobody approved, and nobody will. */
  ended: 2,
  timedOut: 3,
  error: 4,
} as const;

/** Shells report a process ended by a signal as 128 + its number; an interrupted command exits so too. */
export const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;

/** Approved → 0, rejected → 1, expired or cancelled → 2, a wait that ran out → 3. */
export function exitCodeOf(outcome: WaitOutcome): number {
  switch (outcome) {
    case 'approved':
      return EXIT.approved;
    case 'rejected':
      return EXIT.rejected;
    case 'expired':
    case 'cancelled':
      return EXIT.ended;
    case 'timed_out':
      return EXIT.timedOut;
  }
}
