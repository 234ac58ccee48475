import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { updateSlackSettings as update } from './slack-settings.ts';

/** `PATCH /api/v1/org/slack`: admins, signed in; audit logged. */
export const updateSlackSettings: Handler<Routes['updateSlackSettings']> = async ({ auth, body, deps, log }) => {
  const settings = await update(deps.db, auth.org.id, body, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, default_channel: settings.default_channel, dm_approvers: settings.dm_approvers }, 'Slack settings changed');
  return { status: 200, body: settings };
};
