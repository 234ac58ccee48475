import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const createComment: Handler<Routes['createComment']> = async () => {
  throw new Error('createComment is not implemented yet');
};
