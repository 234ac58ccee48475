import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const cancelApproval: Handler<Routes['cancelApproval']> = async () => {
  throw new Error('cancelApproval is not implemented yet');
};
