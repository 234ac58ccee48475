import { valueAtPath } from '@greenlight/contract';
import type { Approval, Answer, Edits, ResponseSchema } from '../types.ts';
import { UsageError } from './support.ts';

/** The flags of an answer and of edits given with an approval, as `parseArgs` options. */
export const ANSWER_OPTIONS = {
  answer: { type: 'string', multiple: true },
  'answer-json': { type: 'string' },
  edit: { type: 'string', multiple: true },
  'edit-json': { type: 'string' },
} as const;

export const ANSWER_USAGE = `An answer to what the request asks (its response_schema; "greenlight get ID" shows it), with approve:
  --answer FIELD=VALUE      one field (repeatable); the value is read as the field's type: amount=120,
                            urgent=true; a field of several choices takes them comma-separated or repeated
  --answer-json JSON        the whole answer as a JSON object ({"amount": 120}); --answer fields go over it
Edits of the fields the request marks editable, with approve:
  --edit PATH=VALUE         a new value (repeatable), read as the type of the value it replaces, e.g.
                            --edit metadata.input.query='SELECT 1' (a number, true/false, or JSON for an object)
  --edit-json JSON          the edits as a JSON object of path to value; --edit paths go over it
The server checks them; a refusal names the field and exits 4, and nothing is decided.
`;

interface AnswerFlags {
  answer?: string[] | undefined;
  'answer-json'?: string | undefined;
  edit?: string[] | undefined;
  'edit-json'?: string | undefined;
}

export const hasAnswerFlags = (v: AnswerFlags): boolean =>
  (v.answer?.length ?? 0) > 0 || v['answer-json'] !== undefined || (v.edit?.length ?? 0) > 0 || v['edit-json'] !== undefined;

function jsonObject(flag: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} is not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`${flag} is a JSON object`);
  return parsed as Record<string, unknown>;
}

function pair(flag: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} is NAME=VALUE, not "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * A value typed on the command line, read as the type the server expects. What cannot be read so is
 * sent as typed (a string): the server's refusal then names the field and what it must be, the one
 * place the rules live.
 */
function asNumber(text: string): unknown {
  return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}
function asBoolean(text: string): unknown {
  const t = text.trim().toLowerCase();
  return ['true', 'yes', '1'].includes(t) ? true : ['false', 'no', '0'].includes(t) ? false : text;
}

/** The answer of `--answer-json` and `--answer` flags, each value read by its field's type in the request's schema. */
export function answerFromFlags(values: AnswerFlags, schema: ResponseSchema | null | undefined): Answer | undefined {
  const given = values['answer-json'] === undefined ? undefined : jsonObject('--answer-json', values['answer-json']);
  if (!values.answer?.length) return given;
  const answer: Record<string, unknown> = { ...given };
  const repeated = new Set<string>();
  for (const text of values.answer) {
    const [name, raw] = pair('--answer', text);
    const field = schema && Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
    switch (field?.type) {
      case 'number':
      case 'integer':
        answer[name] = asNumber(raw);
        break;
      case 'boolean':
        answer[name] = asBoolean(raw);
        break;
      case 'array': {
        const picked = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
        answer[name] = repeated.has(name) ? [...(answer[name] as string[]), ...picked] : picked;
        repeated.add(name);
        break;
      }
      default:
        answer[name] = raw;
    }
  }
  return answer;
}

/** The edits of `--edit-json` and `--edit` flags, each value read as the type of the value it replaces. */
export function editsFromFlags(values: AnswerFlags, approval: Pick<Approval, 'metadata' | 'changes'>): Edits | undefined {
  const given = values['edit-json'] === undefined ? undefined : jsonObject('--edit-json', values['edit-json']);
  if (!values.edit?.length) return given;
  const edits: Record<string, unknown> = { ...given };
  for (const text of values.edit) {
    const [path, raw] = pair('--edit', text);
    const current = valueAtPath({ metadata: approval.metadata, changes: approval.changes }, path);
    if (typeof current === 'number') edits[path] = asNumber(raw);
    else if (typeof current === 'boolean') edits[path] = asBoolean(raw);
    else if (current !== null && typeof current === 'object') edits[path] = jsonObject('--edit', raw);
    else edits[path] = raw;
  }
  return edits;
}
