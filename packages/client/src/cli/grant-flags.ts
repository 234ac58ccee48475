import { GiveGrant, GRANT_DURATIONS, type GrantDuration } from '@greenlight/contract';
import { parseDuration, UsageError } from './support.ts';

/** The flags of a standing grant given with an approval, as `parseArgs` options. */
export const GRANT_OPTIONS = {
  for: { type: 'string' },
  uses: { type: 'string' },
  session: { type: 'boolean' },
  'grant-action-type': { type: 'string' },
  'grant-field': { type: 'string', multiple: true },
} as const;

export const GRANT_USAGE = `A standing grant with the approval ("and the same for …": the connection that asked gets its
next matching requests approved without asking; a person's credential only, never an API key's):
  --for 1h|1d|1w|DURATION   for how long (or 90m, 2d…; default an hour when another grant flag is given)
  --uses N                  at most N requests
  --session                 only requests of this request's agent session
  --grant-action-type GLOB  the action types it covers (default this request's)
  --grant-field KEY=GLOB    a field a later request must match (repeatable), e.g. tags.env=staging
`;

/** One of the offered durations (1h, 1d, 1w), or any duration the other commands take (90m, 2d). */
const seconds = (text: string): number =>
  text in GRANT_DURATIONS ? GRANT_DURATIONS[text as GrantDuration] : parseDuration(text, '--for');

function wholeNumber(flag: string, text: string): number {
  if (!/^[0-9]{1,9}$/.test(text.trim())) throw new UsageError(`${flag} is a whole number, not "${text}"`);
  return Number(text);
}

/**
 * The grant the flags describe, checked by the contract's own schema (GiveGrant: the bounds the server
 * enforces, in the server's words); undefined when no grant flag was given.
 */
export function grantFromFlags(values: {
  for?: string;
  uses?: string;
  session?: boolean;
  'grant-action-type'?: string;
  'grant-field'?: string[];
}): GiveGrant | undefined {
  const given = values.for !== undefined || values.uses !== undefined || values.session || values['grant-action-type'] !== undefined || (values['grant-field']?.length ?? 0) > 0;
  if (!given) return undefined;
  const fields: Record<string, string> = {};
  for (const pair of values['grant-field'] ?? []) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UsageError(`--grant-field is KEY=GLOB, not "${pair}"`);
    fields[pair.slice(0, i)] = pair.slice(i + 1);
  }
  const raw = {
    ...(values.for !== undefined ? { expires_in_seconds: seconds(values.for) } : {}),
    ...(values.uses !== undefined ? { max_uses: wholeNumber('--uses', values.uses) } : {}),
    ...(values.session ? { agent_session: true } : {}),
    ...(values['grant-action-type'] !== undefined ? { action_type: values['grant-action-type'] } : {}),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
  const parsed = GiveGrant.safeParse(raw);
  if (!parsed.success) {
    const flagOf: Record<string, string> = { expires_in_seconds: '--for', max_uses: '--uses', action_type: '--grant-action-type', fields: '--grant-field' };
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${flagOf[String(issue.path[0])] ?? 'grant'}: ${issue.message}`);
  }
  return parsed.data;
}
