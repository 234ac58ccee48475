import type { Approval, Principal } from '@greenlight/contract';

/**
 * The items the comment and step triggers emit, beside the request ones the contract defines. Their
 * own file, so the samples and the triggers both read them without importing each other.
 */

/** One comment with the request it belongs to; the same shape from a poll and from a delivery. */
export interface CommentItem {
  id: string;
  approval_id: string;
  body: string;
  author: Principal;
  created_at: string;
  approval: Approval;
}

/** One step's decision with its request; the same shape from a poll and from a delivery. */
export interface StepDecidedItem {
  /** The step's id: a step is decided once. */
  id: string;
  approval_id: string;
  step_order: number;
  decision: 'approve' | 'reject';
  comment: string | null;
  decided_by: Principal;
  decided_at: string;
  approval: Approval;
}
