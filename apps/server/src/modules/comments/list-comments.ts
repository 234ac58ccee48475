import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const listComments: Handler<Routes['listComments']> = async () => {
  throw new Error('listComments is not implemented yet');
};
