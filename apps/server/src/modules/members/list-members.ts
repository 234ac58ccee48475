import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { listMembers as membersOf, toMemberJson } from './members.ts';

export const listMembers: Handler<Routes['listMembers']> = async ({ auth, deps }) => {
  return { status: 200, body: { data: (await membersOf(deps.db, auth.org.id)).map(toMemberJson) } };
};
