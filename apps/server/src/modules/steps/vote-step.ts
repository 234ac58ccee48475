import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const voteStep: Handler<Routes['voteStep']> = async () => {
  throw new Error('voteStep is not implemented yet');
};
