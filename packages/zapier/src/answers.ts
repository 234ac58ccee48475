import type { Bundle, ZObject } from 'zapier-platform-core';
import { pathOf, responseInputFields, responseOutputFields, wireValue } from '@greenlight/triggers';
import { perform } from './api.ts';
import { inputField, outputFields } from './fields.ts';
import { inputErrorFor } from './middleware.ts';

/**
 * The reviewer's answer as fields the Zap editor offers to later steps (`response__amount`), from
 * the request's `response_schema`. The generic `response`, `edits` and `approved_content` are among
 * every request's output fields already; these name the answer's own fields, which only the request
 * knows. Zapier calls them while the user edits the Zap: they never fail, a schema that is not one
 * (still being typed, mapped from an earlier step) offers nothing extra.
 */

/** For the steps that make the request: the schema is the step's own input. */
export const answerFieldsFromInput = async (_z: ZObject, bundle: Bundle) => outputFields(responseOutputFields(bundle.inputData.response_schema));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The chosen request's response schema, read from Greenlight; undefined while no request id is chosen. */
async function schemaOfRequest(z: ZObject, bundle: Bundle): Promise<unknown> {
  const id = bundle.inputData.id;
  // A value mapped from an earlier step is a placeholder while the Zap is edited, not an id.
  if (typeof id !== 'string' || !UUID.test(id.trim())) return undefined;
  const { data } = await perform(z, { method: 'GET', path: pathOf('/api/v1/approvals/{id}', { id: id.trim() }), successStatuses: [200] });
  return (data as { response_schema?: unknown } | null)?.response_schema;
}

const quietly = async (z: ZObject, bundle: Bundle) => schemaOfRequest(z, bundle).catch(() => undefined);

/** For the steps that act on an existing request (chosen in the step): its schema, read from Greenlight. */
export const answerFieldsOfRequest = async (z: ZObject, bundle: Bundle) => outputFields(responseOutputFields(await quietly(z, bundle)));

/** Where an answer's field is among the step's inputs: `answer__amount`. */
const ANSWER = 'answer__';

/**
 * Approve or Reject asks the chosen request's questions one input each (a number, a dropdown of
 * choices, yes/no), so nobody writes JSON to answer; `Response` (JSON) stays for an answer mapped
 * whole from an earlier step.
 */
export async function answerInputFields(z: ZObject, bundle: Bundle) {
  return responseInputFields(await quietly(z, bundle)).flatMap((f) => inputField({ ...f, key: `${ANSWER}${f.key}`, label: `Answer: ${f.label}` }));
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);

/**
 * The step's input with the answer's fields (`answer__amount`) gathered into `response`, each turned
 * into what the schema asks for (Zapier hands text). Both ways at once is refused: which one counts
 * would be a guess. With neither, the input is unchanged.
 */
export async function withAnswer(z: ZObject, bundle: Bundle): Promise<Bundle> {
  const input = bundle.inputData as Record<string, unknown>;
  const given = Object.keys(input).filter((k) => k.startsWith(ANSWER) && !blank(input[k]));
  if (given.length === 0) return bundle;
  if (!blank(input.response)) {
    throw new z.errors.Error('Give the answer field by field or as Response (JSON), not both', 'VALIDATION_ERROR', 400);
  }
  const response: Record<string, unknown> = {};
  for (const f of responseInputFields(await schemaOfRequest(z, bundle))) {
    try {
      const v = wireValue(f, input[`${ANSWER}${f.key}`]);
      if (v !== undefined) response[f.key] = v;
    } catch (error) {
      throw inputErrorFor(z, error);
    }
  }
  // A field the request does not ask (the request changed since the Zap was set up) goes as given: the server names it.
  for (const k of given) if (!(k.slice(ANSWER.length) in response)) response[k.slice(ANSWER.length)] = input[k];
  return { ...bundle, inputData: { ...input, response } };
}
