import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { dryRun } from './dry-run.ts';

export const dryRunRoutingRules: Handler<Routes['dryRunRoutingRules']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: await dryRun(deps, auth.org.id, body),
});
