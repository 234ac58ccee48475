import { answerFields, type ResponseSchema as ContractResponseSchema } from '@greenlight/contract';
import type { WaitOutcome } from '@greenlight/triggers';
import type { Approval, ApprovalList, ResponseField, ResponseSchema } from '../types.ts';

/** How a person reads an outcome, first word of the summary line. */
const HEADLINE: Record<WaitOutcome, string> = {
  approved: 'Approved',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  expired: 'Expired',
  timed_out: 'Still pending (stopped waiting)',
};

/** One request, as `greenlight get` and the end of a wait print it. */
export function describeApproval(a: Approval, page: string, outcome?: WaitOutcome): string {
  const rows: [string, string | null][] = [
    ['id', a.id],
    ['status', a.status],
    ['priority', a.priority],
    ['action', a.action_type],
    ['created', a.created_at],
    ['expires', a.expires_at],
    ['decided', a.decided_at ? `${a.decided_at}${decider(a)}` : null],
    ['cancelled', a.cancelled_at],
    ['expired', a.expired_at],
    ['comment', a.decision_comment],
    ['execution', a.execution ? [a.execution.status, a.execution.message, a.execution.url].filter(Boolean).join(' — ') : null],
    ...answerRows(a),
    ...whatYouMay(a.viewer_can),
    ['page', page],
  ];
  // A revoked approval ends as `rejected` (exit 1); the headline says it was revoked, not refused.
  const revoked = a.revoked_at !== null && a.revoked_at !== undefined;
  rows.splice(rows.length - 1, 0, ['revoked', revoked ? `${a.revoked_at}${a.revoked_by?.name ? ` by ${a.revoked_by.name}` : ''}` : null], [
    'reason',
    a.revocation_reason ?? null,
  ]);
  const word = outcome === 'rejected' && revoked ? 'Revoked' : outcome ? HEADLINE[outcome] : null;
  const headline = word ? `${word}: ${a.title}` : a.title;
  const body = rows.filter(([, v]) => v !== null && v !== '').map(([k, v]) => `  ${k.padEnd(9)} ${v}`);
  return `${headline}\n${body.join('\n')}\n`;
}

/** A value as one line shows it: JSON, cut short when long. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** What a field takes, in a few words: "number 0–500", "one of eu, us", "several of a, b". */
function kindOf(f: ResponseField): string {
  const range = (min?: number, max?: number) => (min !== undefined || max !== undefined ? ` ${min ?? ''}–${max ?? ''}` : '');
  switch (f.type) {
    case 'string':
      return f.enum ? `one of ${f.enum.join(', ')}` : `text${f.maxLength !== undefined ? ` (at most ${f.maxLength})` : ''}`;
    case 'number':
    case 'integer':
      return `${f.type}${range(f.minimum, f.maximum)}`;
    case 'boolean':
      return 'true/false';
    case 'array':
      return `several of ${f.items.enum.join(', ')}`;
  }
}

/**
 * What the request asks of the approving reviewer (one row a field, as every channel lists them:
 * `answerFields`), what may be edited, and once approved the answer and the edits.
 */
function answerRows(a: Approval): [string, string | null][] {
  const rows: [string, string | null][] = [];
  const schema: ResponseSchema | null | undefined = a.response_schema;
  if (schema) {
    answerFields(schema as ContractResponseSchema).forEach((f, i) => {
      const dflt = f.field.default !== undefined ? `, default ${shown(f.field.default)}` : '';
      rows.push([i === 0 ? 'asks' : '', `${f.name}${f.label !== f.name ? ` (${f.label})` : ''}: ${kindOf(f.field as ResponseField)}${f.required ? ', required' : ''}${dflt}`]);
    });
  }
  (a.editable ?? []).forEach((path, i) => rows.push([i === 0 ? 'editable' : '', path]));
  if (a.response) Object.entries(a.response).forEach(([k, v], i) => rows.push([i === 0 ? 'answer' : '', `${k} = ${shown(v)}`]));
  (a.edits ?? []).forEach((e, i) => rows.push([i === 0 ? 'edited' : '', `${e.path}: ${shown(e.before)} → ${shown(e.after)}`]));
  return rows;
}

/** Who decided: a person (by id), one of the team's policies (by its id), a person's standing grant (whose, how used), or Greenlight at expiry. */
function decider(a: Approval): string {
  if (a.decided_by_type === 'policy' && a.decided_by_policy) return ` by policy ${a.decided_by_policy.id}`;
  const g = a.decided_by_grant;
  if (a.decided_by_type === 'grant' && g) return ` by ${g.given_by.name}'s grant (${g.max_uses === null ? `use ${g.use}` : `${g.use} of ${g.max_uses} used`}, until ${g.expires_at})`;
  return a.decided_by ? ` by ${a.decided_by}` : ' automatically';
}

type ViewerCan = NonNullable<Approval['viewer_can']>;

/**
 * What the caller may do with the request, as the server answers it (`viewer_can`): what is allowed,
 * and what is not with the server's reason, refusals with one reason grouped ("approve, reject:
 * Waiting for team Oncall"). Nothing when the server did not say.
 */
export function whatYouMay(can: ViewerCan | undefined): [string, string | null][] {
  if (!can) return [];
  const actions: [string, { allowed: boolean; reason?: string }][] = [
    ['approve', can.decide.allowed ? can.decide.approve : can.decide],
    ['reject', can.decide],
    ['cancel', can.cancel],
    ['revoke', can.revoke],
    ['reassign', can.reassign],
    ['comment', can.comment],
    ['grant', can.grant],
  ];
  const allowed = actions.filter(([, p]) => p.allowed).map(([name]) => name);
  const refused = new Map<string, string[]>();
  for (const [name, p] of actions) if (!p.allowed) refused.set(p.reason ?? 'not allowed', [...(refused.get(p.reason ?? 'not allowed') ?? []), name]);
  return [
    ['you may', allowed.length > 0 ? allowed.join(', ') : 'nothing'],
    ['not', refused.size > 0 ? [...refused].map(([reason, names]) => `${names.join(', ')}: ${reason}`).join('; ') : null],
  ];
}

/** `greenlight list`: one line per request, newest first. */
export function describeList(list: ApprovalList): string {
  if (list.data.length === 0) return 'No requests match.\n';
  const lines = list.data.map((a) => `${a.id}  ${a.status.padEnd(9)}  ${a.priority.padEnd(8)}  ${a.created_at.slice(0, 19).replace('T', ' ')}  ${a.title}`);
  const { total, total_exact } = list.pagination;
  const more = total > list.data.length ? `\n${list.data.length} of ${total_exact === false ? 'about ' : ''}${total} shown (--limit, --page)` : '';
  return `${lines.join('\n')}${more}\n`;
}
