import type { Bundle, ZObject } from 'zapier-platform-core';
import { pathOf, type ActionDescriptor } from '@greenlight/triggers';
import { perform } from './api.ts';
import { bodyFrom } from './fields.ts';

/** Calls an action of the contract with the Zap's input: path, query and body fields each where they belong. */
export async function callAction(z: ZObject, bundle: Bundle, action: ActionDescriptor, extraBody: Record<string, unknown> = {}) {
  const input = bundle.inputData as Record<string, unknown>;
  const pathParams: Record<string, string> = {};
  const query: Record<string, string> = {};
  for (const f of action.fields) {
    const v = input[f.key];
    if (v === undefined || v === null || v === '') continue;
    if (f.in === 'path') pathParams[f.key] = String(v).trim();
    if (f.in === 'query') query[f.key] = Array.isArray(v) ? v.join(',') : String(v);
  }
  const missing = action.fields.find((f) => f.in === 'path' && !pathParams[f.key]);
  if (missing) throw new z.errors.Error(`${missing.label} is required`, 'VALIDATION_ERROR', 400);
  const hasBody = action.method === 'POST' || action.method === 'PATCH';
  return perform(z, {
    method: action.method,
    path: pathOf(action.path, pathParams),
    ...(Object.keys(query).length > 0 ? { query } : {}),
    ...(hasBody ? { body: { ...bodyFrom(action.fields, input), ...extraBody } } : {}),
    successStatuses: [200, 201],
  });
}
