import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';

// PLACEHOLDER: to be implemented.
export const configureSteps: Handler<Routes['configureSteps']> = async () => {
  throw new Error('configureSteps is not implemented yet');
};
