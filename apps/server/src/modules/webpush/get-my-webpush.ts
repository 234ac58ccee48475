import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { myWebPush } from './webpush-subscriptions.ts';

/** `GET /api/v1/me/webpush`: the signed-in member. */
export const getMyWebPush: Handler<Routes['getMyWebPush']> = async ({ auth, deps }) => ({
  status: 200,
  body: await myWebPush(deps.db, auth.org.id, auth.user!.id),
});
