import { randomUUID } from 'node:crypto';
import { CreateApprovalBody, PRIORITIES, ReportExecutionBody } from '@greenlight/contract';
import { ConflictError, isTransient } from '../../errors.ts';
import { pause } from '../../pause.ts';
import type { Approval } from '../../types.ts';
import { EXIT } from '../exit-codes.ts';
import { describeApproval } from '../format.ts';
import type { CliIo } from '../io.ts';
import type { CliCommand } from '../registry.ts';
import { parse, parseDuration, remoteFrom, UsageError, type Remote } from '../support.ts';
import { runAfterApproval } from '../run-approved.ts';
import { Interrupts, reportFailure, waitAndReport } from '../waiting.ts';

const USAGE = `Usage: greenlight request --title TEXT [options]
       greenlight request --title TEXT [options] --run -- COMMAND [ARGS…]

Ask for an approval; with --wait, wait for the decision and exit with it. With --run, run COMMAND
(no shell) only once approved, and report it to Greenlight: "started" before it starts, then
"succeeded" or "failed" with its exit code.

Options:
  --title TEXT             what needs approval (required)
  --description TEXT       context for the approver (markdown)
  --priority LEVEL         ${PRIORITIES.join(', ')} (default: medium)
  --action-type LABEL      e.g. deploy.production, for filtering and routing
  --metadata JSON          a JSON object, @file.json to read it from a file, or @- from stdin
  --response-schema JSON   what the approver answers when approving (a flat JSON Schema form; @file.json)
  --editable PATH          a field the approver may change before approving (repeatable), e.g. metadata.query
  --source NAME            what is asking (default: cli)
  --expires-in DURATION    expire the request if nobody decides within it (90s, 30m, 2h, 1d)
  --idempotency-key KEY    the same key never creates a second request (default: a new one per run)
  --revocable-for DURATION let an approver revoke the approval for this long after it (at most 1d);
                           --wait and --run then wait that window out, and a revoke in it is a rejection
  --wait                   wait for the decision (exit 0 approved, 1 rejected, 2 expired or cancelled, 3 timed out)
  --timeout DURATION       how long to wait (default: 10m)
  --cancel-on-interrupt    Ctrl-C cancels the request (default: it stays pending)
  --run                    wait, then run the command after -- only if approved (implies --wait)
  --link URL               with --run: where to see the run (a CI job's page), sent with the receipts
  --json                   print one JSON object on stdout (with --run: after the command, with
                           "ran", "exit_code" and the request)
  -h, --help

Environment: GREENLIGHT_URL (e.g. https://greenlight.example.com) and GREENLIGHT_API_KEY (gk_…).
Exit 4 on a usage or API error. With --run: the command's own exit code when it ran (it sees the
request's id in GREENLIGHT_APPROVAL_ID, the approver's answer as JSON in GREENLIGHT_RESPONSE and the
metadata as approved, edits applied, in GREENLIGHT_APPROVED_METADATA); 1, 2, 3 or 4 as above when it
did not (--json says which).
`;

const OPTIONS = {
  title: { type: 'string' },
  description: { type: 'string' },
  priority: { type: 'string' },
  'action-type': { type: 'string' },
  metadata: { type: 'string' },
  'response-schema': { type: 'string' },
  editable: { type: 'string', multiple: true },
  source: { type: 'string' },
  'expires-in': { type: 'string' },
  'idempotency-key': { type: 'string' },
  'revocable-for': { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  'cancel-on-interrupt': { type: 'boolean' },
  run: { type: 'boolean' },
  link: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const DEFAULT_TIMEOUT = '10m';

/** `--metadata '{"a":1}'`, `@file.json` or `@-` (stdin): a JSON object. */
async function readMetadata(io: CliIo, value: string, flag = '--metadata'): Promise<unknown> {
  let text = value;
  if (value === '@-') text = await io.readStdin();
  else if (value.startsWith('@')) {
    try {
      text = await io.readFile(value.slice(1));
    } catch (err) {
      throw new UsageError(`${flag}: cannot read ${value.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} is not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`${flag} must be a JSON object`);
  return parsed;
}

const FLAG_OF: Record<string, string> = {
  action_type: '--action-type',
  expires_at: '--expires-in',
  idempotency_key: '--idempotency-key',
  revocable_for_seconds: '--revocable-for',
  response_schema: '--response-schema',
};

/** JSON with sorted keys, to compare two objects by content. */
const canonical = (v: unknown): string =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;

/**
 * Whether an existing request is what this command asks for, but for `expires_at`: `--expires-in` is
 * counted from each run, so the same command run again with the same key sends a later deadline,
 * which the server (rightly) calls a different body. Anything else that differs is a key reused for
 * another request, and attaching to it could report someone else's approval.
 */
function sameAsked(existing: Approval, body: CreateApprovalBody): boolean {
  return (
    existing.title === body.title &&
    existing.description === body.description &&
    existing.priority === body.priority &&
    existing.action_type === (body.action_type ?? null) &&
    existing.source === (body.source ?? null) &&
    canonical(existing.metadata) === canonical(body.metadata ?? {})
  );
}

/**
 * Creates the request, retrying through restarts and dropped connections until the deadline. The
 * idempotency key is the same on every attempt, and across runs when given: never two requests.
 */
async function createOnce(remote: Remote, io: CliIo, body: CreateApprovalBody, key: string, deadline: number, signal: AbortSignal): Promise<Approval> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await remote.client.approvals.create(body, { idempotencyKey: key, signal });
    } catch (err) {
      if (err instanceof ConflictError && err.code === 'IDEMPOTENCY_KEY_REUSED' && typeof err.details?.approval_id === 'string') {
        const existing = await remote.client.approvals.get(err.details.approval_id, { signal });
        if (sameAsked(existing, body)) {
          io.stderr(`The idempotency key ${key} already made this request (${existing.id}); using it.\n`);
          return existing;
        }
        throw new UsageError(`--idempotency-key ${key} was already used for a different request: "${existing.title}" (${remote.pageOf(existing.id)})`);
      }
      const left = deadline - Date.now();
      if (!isTransient(err) || signal.aborted || left <= 0) throw err;
      const delayMs = Math.min(left, Math.min(10_000, 500 * 2 ** attempt));
      io.stderr(`Greenlight did not answer (${(err as Error).message}); trying again in ${Math.max(1, Math.round(delayMs / 1000))} s…\n`);
      await pause(delayMs, signal);
    }
  }
}

export const requestCommand: CliCommand = {
  summary: 'ask for an approval (--wait: and exit with the decision)',
  usage: USAGE,
  async run(args, io) {
    // Everything after `--` is the command of --run, its own options included.
    const dash = args.indexOf('--');
    const own = dash < 0 ? args : args.slice(0, dash);
    const command = dash < 0 ? [] : args.slice(dash + 1);
    const json = own.includes('--json');
    const interrupts = new Interrupts(io);
    let remote: Remote | null = null;
    let created: Approval | undefined;
    let key: string | undefined;
    let opts: ReturnType<typeof parse<typeof OPTIONS>>['values'] | undefined;
    let deadline: number | undefined;
    try {
      opts = parse(own, OPTIONS).values;
      if (opts.help) {
        io.stdout(USAGE);
        return EXIT.ok;
      }
      if (opts.title === undefined) throw new UsageError('--title is required');
      if (opts.run && command.length === 0) throw new UsageError('--run needs the command after --, e.g. --run -- ./deploy.sh production');
      if (!opts.run && dash >= 0) throw new UsageError('a command after -- goes with --run');
      if (opts.link !== undefined && !opts.run) throw new UsageError('--link goes with --run (or "greenlight execution")');
      const wait = opts.wait === true || opts.run === true;
      if (opts['cancel-on-interrupt'] && !wait) throw new UsageError('--cancel-on-interrupt goes with --wait');
      if (opts.link !== undefined && !ReportExecutionBody.shape.url.safeParse(opts.link).success) throw new UsageError(`--link must be an http(s) URL (got "${opts.link}")`);
      const timeout = parseDuration(opts.timeout ?? DEFAULT_TIMEOUT, '--timeout');
      const expiresIn = opts['expires-in'] === undefined ? undefined : parseDuration(opts['expires-in'], '--expires-in');
      const revocableFor = opts['revocable-for'] === undefined ? undefined : parseDuration(opts['revocable-for'], '--revocable-for');
      const parsed = CreateApprovalBody.safeParse({
        title: opts.title,
        description: opts.description ?? '',
        priority: opts.priority ?? 'medium',
        ...(opts['action-type'] !== undefined ? { action_type: opts['action-type'] } : {}),
        ...(opts.metadata !== undefined ? { metadata: await readMetadata(io, opts.metadata) } : {}),
        ...(opts['response-schema'] !== undefined ? { response_schema: await readMetadata(io, opts['response-schema'], '--response-schema') } : {}),
        ...(opts.editable !== undefined ? { editable: opts.editable } : {}),
        source: opts.source ?? 'cli',
        ...(expiresIn !== undefined ? { expires_at: new Date(Date.now() + expiresIn * 1000).toISOString() } : {}),
        ...(revocableFor !== undefined ? { revocable_for_seconds: revocableFor } : {}),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = String(issue.path[0] ?? '');
        throw new UsageError(`${FLAG_OF[field] ?? `--${field.replaceAll('_', '-')}`}: ${issue.message}`);
      }
      key = opts['idempotency-key'] ?? randomUUID();
      if (key.length > 255) throw new UsageError('--idempotency-key: at most 255 characters');
      remote = remoteFrom(io.env);
      deadline = Date.now() + timeout * 1000;
      created = await createOnce(remote, io, parsed.data, key, deadline, interrupts.signal);
      if (!wait) {
        if (json) io.stdout(`${JSON.stringify(created)}\n`);
        else io.stdout(describeApproval(created, remote.pageOf(created.id)));
        return EXIT.ok;
      }
      const plan = { approval: created, deadline, json, cancelOnInterrupt: opts['cancel-on-interrupt'] === true };
      if (opts.run) return await runAfterApproval(remote, io, interrupts, { ...plan, command, link: opts.link });
      return await waitAndReport(remote, io, interrupts, plan);
    } catch (err) {
      const known = remote;
      const k = key;
      return reportFailure(remote, io, interrupts, err, {
        command: 'request',
        json,
        approvalId: created?.id,
        find: known && k ? () => known.client.approvals.findByIdempotencyKey(k, { timeoutMs: 10_000 }) : undefined,
        cancelOnInterrupt: opts?.['cancel-on-interrupt'] === true,
        deadline,
      });
    } finally {
      interrupts.dispose();
    }
  },
};
