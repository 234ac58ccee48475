import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { createLinkCode } from './msteams-settings.ts';

/** `POST /api/v1/me/msteams/code`: the signed-in member. */
export const createMyMsTeamsLinkCode: Handler<Routes['createMyMsTeamsLinkCode']> = async ({ auth, deps }) => ({
  status: 201,
  body: await createLinkCode(deps.db, auth.org.id, auth.user!.id),
});
