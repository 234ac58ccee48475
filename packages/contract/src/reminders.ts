import { z } from './zod.ts';
import { Uuid } from './common.ts';

/**
 * Reminders and escalation of a step that waits: a policy attached to a flow step, to the org as
 * its default, or to anything else that names approvers. Durations are written with a unit
 * (`90s`, `30m`, `4h`, `2d`) so that a test can run a policy in seconds.
 */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
export const REMINDER_LIMITS = { maxSeconds: 90 * 86_400, remindersMax: 20 } as const;

export const Duration = z
  .string()
  .regex(/^[1-9]\d{0,6}[smhd]$/, 'a duration such as 90s, 30m, 4h or 2d')
  .refine((d) => durationSeconds(d) <= REMINDER_LIMITS.maxSeconds, { message: 'at most 90 days' })
  .openapi('Duration', { description: 'A positive whole number and a unit: s, m, h or d', example: '4h' });

/** Seconds of a Duration (`4h` → 14400). */
export function durationSeconds(d: string): number {
  return Number(d.slice(0, -1)) * UNIT_SECONDS[d.slice(-1) as keyof typeof UNIT_SECONDS];
}

export const RemindPolicy = z
  .strictObject({
    after: Duration.openapi({ description: 'First reminder this long after the step starts waiting' }),
    every: Duration.optional().openapi({ description: 'Then again this often while it waits' }),
    max: z
      .number()
      .int()
      .min(1)
      .max(REMINDER_LIMITS.remindersMax)
      .optional()
      .openapi({ description: 'At most this many reminders in all (default: 1 without `every`, 3 with it)' }),
  })
  .openapi('RemindPolicy', { description: "Reminds the step's approvers who have not voted yet" });
export type RemindPolicy = z.infer<typeof RemindPolicy>;

export const EscalationTarget = z
  .union([
    z.strictObject({ user_id: Uuid.openapi({ description: 'A member of the organization (not a viewer)' }) }),
    z.strictObject({ team_id: Uuid.openapi({ description: 'A team of the organization' }) }),
    z.literal('next_level').openapi({ description: "The organization's admins" }),
  ])
  .openapi('EscalationTarget');
export type EscalationTarget = z.infer<typeof EscalationTarget>;

export const EscalatePolicy = z
  .strictObject({
    after: Duration.openapi({ description: 'Escalate this long after the step starts waiting' }),
    to: EscalationTarget,
  })
  .openapi('EscalatePolicy', {
    description: 'The target is added to the approvers of the step (and told), may then decide it; recorded as a `step.escalated` event and in the audit log',
  });
export type EscalatePolicy = z.infer<typeof EscalatePolicy>;

export const ReminderPolicy = z
  .strictObject({ remind: RemindPolicy.optional(), escalate: EscalatePolicy.optional() })
  .openapi('ReminderPolicy', { description: 'What happens while a step waits. A run keeps the policy of the flow version it started.' });
export type ReminderPolicy = z.infer<typeof ReminderPolicy>;

/** How many reminders a policy sends in all. */
export const remindersMax = (r: RemindPolicy): number => r.max ?? (r.every ? 3 : 1);
