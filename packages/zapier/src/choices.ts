import type { Bundle, ZObject } from 'zapier-platform-core';
import { ApprovalList, type Approval } from '@greenlight/contract';
import { parseBody, perform } from './api.ts';

export const CHOICES_PAGE_SIZE = 50;

/** One page of approval requests for a dropdown; Zapier counts dropdown pages from 0, the API from 1. */
export async function approvalPage(z: ZObject, bundle: Bundle, query: Record<string, string>): Promise<Approval[]> {
  const page = Math.max(0, Number(bundle.meta?.page ?? 0) || 0) + 1;
  const { data } = await perform(z, {
    method: 'GET',
    path: '/api/v1/approvals',
    query: { ...query, sort: '-created_at', page_size: String(CHOICES_PAGE_SIZE), page: String(page) },
    successStatuses: [200],
  });
  return parseBody(ApprovalList, data, 'approval list').data;
}

/** What a dropdown shows for a request: its title, told apart by status and date. */
export const approvalChoice = (a: Approval) => ({
  id: a.id,
  name: `${a.title} (${a.status}, ${a.created_at.slice(0, 10)})`,
  title: a.title,
  status: a.status,
  created_at: a.created_at,
});
