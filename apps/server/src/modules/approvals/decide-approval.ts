import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const decideApproval: Handler<Routes['decideApproval']> = async () => {
  throw new Error('decideApproval is not implemented yet');
};
