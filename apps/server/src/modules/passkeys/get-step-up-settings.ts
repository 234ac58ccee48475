import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { getStepUpSettings as read } from './step-up-settings.ts';

export const getStepUpSettings: Handler<Routes['getStepUpSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await read(deps.db, auth.org.id),
});
