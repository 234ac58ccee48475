import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const getApproval: Handler<Routes['getApproval']> = async () => {
  throw new Error('getApproval is not implemented yet');
};
