import type { Bundle, ZObject } from 'zapier-platform-core';
import { toRequest, type ActionDescriptor } from '@greenlight/triggers';
import { perform } from './api.ts';
import { nestedInput } from './fields.ts';
import { inputErrorFor } from './middleware.ts';

/** Calls an action of the contract with the Zap's input: path, query and body fields each where they belong. */
export async function callAction(z: ZObject, bundle: Bundle, action: ActionDescriptor, extraBody: Record<string, unknown> = {}) {
  let request;
  try {
    request = toRequest(action, nestedInput(action.fields, bundle.inputData as Record<string, unknown>));
  } catch (error) {
    throw inputErrorFor(z, error);
  }
  if (request.body !== undefined) request.body = { ...(request.body as Record<string, unknown>), ...extraBody };
  return perform(z, request);
}
