import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { unlink } from './msteams-settings.ts';

/** `DELETE /api/v1/me/msteams`: the signed-in member. */
export const deleteMyMsTeamsLink: Handler<Routes['deleteMyMsTeamsLink']> = async ({ auth, deps, log }) => {
  const link = await unlink(deps.db, auth.org.id, auth.user!.id);
  log.info({ org_id: auth.org.id, user_id: auth.user!.id }, 'Microsoft Teams account unlinked');
  return { status: 200, body: link };
};
