import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const createApproval: Handler<Routes['createApproval']> = async () => {
  throw new Error('createApproval is not implemented yet');
};
