import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { detailFor } from '../../core/run.ts';

/** Another org's id answers exactly like an unknown one (OWASP API1: no existence oracle). */
export const getApproval: Handler<Routes['getApproval']> = async ({ params, auth, deps }) => {
  const detail = await detailFor(deps.db, auth.org.id, params.id, auth);
  if (!detail) throw notFound();
  return { status: 200, body: detail };
};
