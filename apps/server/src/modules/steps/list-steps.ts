import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const listSteps: Handler<Routes['listSteps']> = async () => {
  throw new Error('listSteps is not implemented yet');
};
