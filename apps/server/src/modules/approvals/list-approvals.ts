import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const listApprovals: Handler<Routes['listApprovals']> = async () => {
  throw new Error('listApprovals is not implemented yet');
};
