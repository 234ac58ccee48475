import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const listApprovalEvents: Handler<Routes['listApprovalEvents']> = async () => {
  throw new Error('listApprovalEvents is not implemented yet');
};
