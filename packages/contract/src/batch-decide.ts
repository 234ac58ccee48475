import { z } from './zod.ts';
import { Approval, Decision, LIMITS } from './approvals.ts';
import { ErrorCodeSchema } from './errors.ts';

/** The most requests one batch decides: enough for a reviewer's screenful, small enough to answer in one response. */
export const BATCH_DECIDE_MAX = 50;

export const BatchDecideBody = z
  .strictObject({
    ids: z
      .array(z.uuid())
      .min(1)
      .max(BATCH_DECIDE_MAX)
      .openapi({
        description:
          `1 to ${BATCH_DECIDE_MAX} request ids. An id given twice is decided once and answered once, in the place of its first ` +
          'appearance (ids compare case-insensitively).',
        example: ['a1b2c3d4-e5f6-4890-abcd-ef1234567890'],
      }),
    decision: Decision,
    comment: z.string().max(LIMITS.commentMax).optional().openapi({ description: 'Recorded with every vote of the batch', example: 'Checked in bulk' }),
    source: z.string().min(1).max(LIMITS.labelMax).optional().openapi({ example: 'dashboard' }),
  })
  .openapi('BatchDecideRequest');
export type BatchDecideBody = z.infer<typeof BatchDecideBody>;

const Recorded = z
  .object({
    id: z.uuid(),
    outcome: z.literal('recorded'),
    approval: Approval.openapi({ description: 'The request after the vote: `status` says whether the vote decided it' }),
  })
  .openapi('BatchDecideRecorded');

const Refused = z
  .object({
    id: z.uuid(),
    outcome: z.literal('refused'),
    status: z.number().int().openapi({ description: 'The HTTP status `PATCH /api/v1/approvals/{id}` answers with this error', example: 409 }),
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string().openapi({ example: 'approval request is already approved' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('BatchDecideRefused');

export const BatchDecideItem = z.discriminatedUnion('outcome', [Recorded, Refused]).openapi('BatchDecideItem', {
  description:
    '`recorded`: the vote counted, exactly as `PATCH /api/v1/approvals/{id}` would have recorded it. `refused`: nothing changed on that ' +
    'request, for the reason a single decision would have given (same code, message and details).',
});
export type BatchDecideItem = z.infer<typeof BatchDecideItem>;

export const BatchDecideResult = z
  .object({
    data: z.array(BatchDecideItem).openapi({ description: 'One result per distinct id, in the order of `ids`' }),
    recorded: z.number().int().min(0),
    refused: z.number().int().min(0),
  })
  .openapi('BatchDecideResult');
export type BatchDecideResult = z.infer<typeof BatchDecideResult>;
