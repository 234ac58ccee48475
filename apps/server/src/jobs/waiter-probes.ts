/**
 * Dead-waiter detection: is anyone still waiting for the answer of a pending request at its
 * callback_url? (storage/migrations/041_waiter_probes.sql)
 *
 * - Probing: each pending request with a callback has one probe row, written by its create. Due rows
 *   are claimed FOR UPDATE SKIP LOCKED with a lease (like deliveries: two replicas never probe one
 *   request at once; a process killed mid-probe leaves it due again when the lease ends), probed with
 *   `HEAD` through the same SSRF-guarded sender as callbacks, with the request's callback headers, and
 *   the result recorded in one transaction under the request's row lock.
 * - HEAD because it is safe (RFC 9110 §9.2.1): a receiver must not change anything for it, so a
 *   waiting workflow is never resumed by a probe and never sees the decision's body. What it does not
 *   cover: a receiver that treats HEAD like POST (against RFC 9110) would act on it; and a receiver
 *   that answers every path alike (a catch-all 200 or 404) tells nothing about this one waiter.
 * - Which targets: only those whose answer to HEAD Greenlight knows how to read (`probeTargetOf`): n8n's
 *   resume URLs, and any other URL taken at its word under RFC 9110. A platform's callback URL whose
 *   answer says nothing about the one waiter behind it (Zapier's hooks, Make's and other platforms'
 *   webhook addresses) is never probed: its probe row is closed at its first claim and the waiter stays
 *   `unknown`, with why.
 * - Once per round per target: many pending requests may name one receiver. A round (one run of
 *   `probeDueWaiters`) sends one HEAD per target (URL and callback headers) and gives its answer to
 *   every due request that names it.
 * - Verdicts: 404 or 410 → gone at once; no answer at all (refused, DNS, timeout, a target the SSRF
 *   guard refuses) continuously for longer than the threshold → gone, "unreachable since …"; any other
 *   answer (2xx, 3xx, 405, other 4xx, 5xx) → someone is there. A gone waiter that answers again clears
 *   the flag (`approval.waiter_returned`). n8n's resume URLs answer HEAD differently (N8N_WAITING):
 *   404 there tells nothing, 409 means the execution is over.
 * - Telling: the request's `waiter` shows the state; becoming gone appends `approval.waiter_gone`
 *   (core/approvals/waiter.ts: delivered to subscriptions that chose it, never to the callback), and the person
 *   behind the request is told through their channels (notify/), or the org's admins when no person is.
 * - Long polls: a pending request without a callback that someone waited on (GET …/wait) is watched
 *   through its waits (beginPollWait, endPollWait): nobody waiting for longer than the threshold flags
 *   it gone the same way; a wait that comes back clears it.
 * - Schedule: first probe GREENLIGHT_WAITER_PROBE_AFTER_MS after the create, then doubling up to
 *   GREENLIGHT_WAITER_PROBE_MAX_MS; while the target does not answer, the next probe is also due no
 *   later than the moment the threshold passes. Probing stops when the request leaves `pending`.
 */
import type { Config } from '../config.ts';
import { type Database, type Queryable } from '../storage/database.ts';
import { readWaitedOnByLongPoll, markWaiterGone, markWaiterInconclusive, markWaiterPresent, noteWaiterChecked, noteWaiterUnprobed } from '../core/approvals/index.ts';
import { CHANGE_LOCK, type ApprovalRow } from '../core/approval-record.ts';
import { secretKeys } from '../security/sealed.ts';
import type { AttemptResult, Sender } from '../channels/webhook/http-sender.ts';

export interface WaiterProbeRuntime {
  db: Database;
  sender: Sender;
  /** This process sends email: the person behind a request whose waiter is gone is told by email too (notify/). */
  mail: boolean;
  config: Pick<Config, 'GREENLIGHT_WAITER_PROBE_AFTER_MS' | 'GREENLIGHT_WAITER_PROBE_MAX_MS' | 'GREENLIGHT_WAITER_GONE_AFTER_MS' | 'GREENLIGHT_DELIVERY_TIMEOUT_MS' | 'GREENLIGHT_DELIVERY_CONCURRENCY'>;
}

interface ClaimedProbe {
  approval_id: string;
  org_id: string;
  kind: 'callback' | 'poll';
  last_waited_at: Date | null;
  probes: number;
  unreachable_since: Date | null;
  status: string;
  callback_url: string | null;
  callback_headers: Record<string, string> | string | null;
}

/** Margin on top of the HTTP timeout before a claim lapses. */
const LEASE_MARGIN_MS = 5000;

/**
 * Due probes of orgs not under the emergency stop (it holds every outgoing call), claimed for one
 * probe each: the lease is also the next due time, so a claimer that dies leaves the row due then.
 */
const CLAIM_SQL = `
UPDATE waiter_probes p
   SET probes = p.probes + 1, lease_until = now() + $2::float8 * interval '1 millisecond',
       next_probe_at = now() + $2::float8 * interval '1 millisecond'
  FROM approvals a
 WHERE a.id = p.approval_id
   AND p.approval_id IN (
         SELECT w.approval_id FROM waiter_probes w
          WHERE w.done_at IS NULL AND w.next_probe_at <= now()
            AND NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = w.org_id AND o.emergency_stop)
          ORDER BY w.next_probe_at
          LIMIT $1
            FOR UPDATE SKIP LOCKED)
RETURNING p.approval_id, p.org_id, p.kind, p.last_waited_at, p.probes, p.unreachable_since, a.status, a.callback_url, a.callback_headers`;

const openHeaders = (h: ClaimedProbe['callback_headers']): Record<string, string> | undefined =>
  h === null ? undefined : typeof h === 'string' ? (JSON.parse(secretKeys().open(h)) as Record<string, string>) : h;

type Verdict =
  | { kind: 'gone'; reason: string; since: Date }
  | { kind: 'present'; reason: string }
  | { kind: 'unreachable'; since: Date }
  | { kind: 'inconclusive'; reason: string };

/**
 * n8n's resume URL of a waiting execution (`…/webhook-waiting/<execution id>/…`). n8n looks a waiting
 * execution's webhook up by path AND method, and the Greenlight node's (like most Wait nodes') is POST
 * only: so n8n answers HEAD with 404 while the execution waits, exactly as it answers for an execution
 * that was deleted; only the response body, which HEAD never carries, differs. A finished, stopped or
 * failed execution is answered 409 (and one running already too): nobody waits there any more.
 */
const N8N_WAITING = /\/webhook-waiting\/[^/]+/;

/**
 * Platforms whose callback URLs Greenlight does not probe: what they answer to HEAD is not documented
 * or says nothing about the one waiter behind the URL (Zapier answers its hooks alike whether a Zap
 * still waits or not; Make's and the others' webhook addresses take any method as a call). Matched by
 * host, or by the path of Zapier's hooks on any host (a proxy or a stand-in in front of Zapier).
 */
const UNPROBED_PLATFORMS: readonly { name: string; host?: RegExp; path?: RegExp }[] = [
  { name: 'Zapier', host: /(^|\.)zapier\.com$/ },
  { name: 'Zapier', path: /^\/hooks\/(catch|callback|standard)\// },
  { name: 'Make', host: /^hook\.([a-z0-9-]+\.)?(make|integromat)\.com$/ },
  { name: 'Pipedream', host: /\.m\.pipedream\.net$/ },
  { name: 'IFTTT', host: /^maker\.ifttt\.com$/ },
  { name: 'Power Automate', host: /\.logic\.azure\.com$/ },
  { name: 'Workato', host: /(^|\.)workato\.com$/ },
  { name: 'Slack', host: /^hooks\.slack\.com$/ },
  { name: 'Discord', host: /^((ptb|canary)\.)?discord(app)?\.com$/, path: /^\/api\/webhooks\// },
];

/** How a callback target's answer to HEAD is read, or why it is not probed (see the module comment). */
export type ProbeTarget = { kind: 'n8n' } | { kind: 'http' } | { kind: 'unprobed'; reason: string };

export function probeTargetOf(url: string): ProbeTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'unprobed', reason: 'the callback URL cannot be read' };
  }
  const host = parsed.hostname.toLowerCase();
  const platform = UNPROBED_PLATFORMS.find((p) => (!p.host || p.host.test(host)) && (!p.path || p.path.test(parsed.pathname)));
  if (platform) return { kind: 'unprobed', reason: `not probed: what ${platform.name}'s callback URLs answer to a probe says nothing about whether anyone waits` };
  return N8N_WAITING.test(parsed.pathname) ? { kind: 'n8n' } : { kind: 'http' };
}

/** What one probe's result says about the waiter (see the module comment). */
export function verdictOf(url: string, result: AttemptResult, unreachableSince: Date | null, goneAfterMs: number, now = new Date()): Verdict {
  const code = result.statusCode;
  if (code !== null && probeTargetOf(url).kind === 'n8n') {
    if (code === 409 || code === 410) return { kind: 'gone', reason: `n8n answered ${code}: the execution that waited has finished or was stopped`, since: now };
    if (code === 404) return { kind: 'inconclusive', reason: 'n8n answers 404 to a probe both while the execution waits and once it was deleted' };
    return { kind: 'present', reason: `the callback target answered ${code}` };
  }
  if (code === 404 || code === 410) return { kind: 'gone', reason: `the callback target answered ${code} ${code === 410 ? 'Gone' : 'Not Found'}`, since: now };
  if (code !== null) return { kind: 'present', reason: `the callback target answered ${code}` };
  const since = unreachableSince ?? result.startedAt;
  if (now.getTime() - since.getTime() >= goneAfterMs) {
    return { kind: 'gone', reason: `the callback target has not answered since ${since.toISOString()} (${result.error ?? 'no answer'})`, since };
  }
  return { kind: 'unreachable', since };
}

/** When the next probe is due after the n-th: doubling from the first delay up to the maximum, sooner when the threshold passes first. */
export function nextDelayMs(n: number, verdict: Verdict, config: WaiterProbeRuntime['config'], now = new Date()): number {
  const backoff = Math.min(config.GREENLIGHT_WAITER_PROBE_AFTER_MS * 2 ** Math.min(n, 30), config.GREENLIGHT_WAITER_PROBE_MAX_MS);
  if (verdict.kind !== 'unreachable') return backoff;
  const untilThreshold = verdict.since.getTime() + config.GREENLIGHT_WAITER_GONE_AFTER_MS - now.getTime();
  return Math.max(1, Math.min(backoff, untilThreshold + 1));
}

/** The `approval.waiter_gone` this transaction appends has the requester told by email too (the fan-out reads greenlight.notify). */
async function tellByEmail(tx: Queryable, rt: WaiterProbeRuntime): Promise<void> {
  if (rt.mail) await tx.query(`SELECT set_config('greenlight.notify', 'on', true)`);
}

/** Records one probe: the probe row (unless the claim was lost), and the request's waiter as the verdict says. */
async function recordProbe(rt: WaiterProbeRuntime, p: ClaimedProbe, result: AttemptResult): Promise<Verdict | null> {
  return rt.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ org_id: string; status: string; waiter_state: 'present' | 'gone' | null }>(
      `SELECT org_id, status, waiter_state FROM approvals WHERE id = $1 ${CHANGE_LOCK}`,
      [p.approval_id],
    );
    const a = rows[0];
    if (!a || a.status !== 'pending') {
      await tx.query('UPDATE waiter_probes SET done_at = now(), lease_until = NULL WHERE approval_id = $1', [p.approval_id]);
      return null;
    }
    const now = new Date();
    const verdict = verdictOf(p.callback_url!, result, p.unreachable_since, rt.config.GREENLIGHT_WAITER_GONE_AFTER_MS, now);
    const next = nextDelayMs(p.probes, verdict, rt.config, now);
    const { rowCount } = await tx.query(
      `UPDATE waiter_probes
          SET lease_until = NULL, next_probe_at = now() + $3::float8 * interval '1 millisecond', last_probed_at = $4,
              last_status = $5, last_error = $6, unreachable_since = $7
        WHERE approval_id = $1 AND probes = $2 AND done_at IS NULL`,
      [p.approval_id, p.probes, next, result.startedAt, result.statusCode, result.error?.slice(0, 1000) ?? null, verdict.kind === 'unreachable' || (verdict.kind === 'gone' && result.statusCode === null) ? verdict.since : null],
    );
    if (rowCount === 0) return null; // the lease ran out and another claimer took the row
    if (verdict.kind === 'gone') {
      await tellByEmail(tx, rt);
      const flagged = await markWaiterGone(tx, { approvalId: p.approval_id, reason: verdict.reason, since: verdict.since, statusCode: result.statusCode, error: result.error });
      if (!flagged) await noteWaiterChecked(tx, p.approval_id);
    } else if (verdict.kind === 'present') {
      await markWaiterPresent(tx, { approvalId: p.approval_id, orgId: a.org_id, reason: verdict.reason, wasGone: a.waiter_state === 'gone', statusCode: result.statusCode });
    } else if (verdict.kind === 'inconclusive') {
      // The target answers but cannot say whether anyone waits. A flag raised because it had fallen
      // silent is cleared (it answers again: it may well wait); one raised on its own word stays.
      const clearSilence = a.waiter_state === 'gone' && p.unreachable_since !== null;
      await markWaiterInconclusive(tx, { approvalId: p.approval_id, orgId: a.org_id, reason: verdict.reason, clearSilence, statusCode: result.statusCode });
    } else {
      await noteWaiterChecked(tx, p.approval_id);
    }
    return verdict;
  });
}

/**
 * A long-poll row came due: nobody started a wait for (timeout + threshold) nor ended one for the
 * threshold (each wait pushes the row out: endPollWait). Unless a wait came in since the claim, the
 * waiter is gone since the last wait ended; the row is then parked until the next wait.
 */
async function recordPollSilence(rt: WaiterProbeRuntime, p: ClaimedProbe): Promise<Verdict | null> {
  return rt.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ status: string }>(`SELECT status FROM approvals WHERE id = $1 ${CHANGE_LOCK}`, [p.approval_id]);
    if (rows[0]?.status !== 'pending') {
      await tx.query('UPDATE waiter_probes SET done_at = now(), lease_until = NULL WHERE approval_id = $1', [p.approval_id]);
      return null;
    }
    const { rows: silent } = await tx.query<{ since: Date }>(
      `UPDATE waiter_probes SET lease_until = NULL, next_probe_at = 'infinity', last_probed_at = now()
        WHERE approval_id = $1 AND probes = $2 AND done_at IS NULL AND last_waited_at <= now() - $3::float8 * interval '1 millisecond'
        RETURNING last_waited_at AS since`,
      [p.approval_id, p.probes, rt.config.GREENLIGHT_WAITER_GONE_AFTER_MS],
    );
    if (silent.length === 0) return null; // someone waits again (their wait moved the row on), or the claim was lost
    const since = silent[0]!.since;
    const verdict: Verdict = { kind: 'gone', reason: `nobody has waited for the answer by long poll since ${since.toISOString()}`, since };
    await tellByEmail(tx, rt);
    await markWaiterGone(tx, { approvalId: p.approval_id, reason: verdict.reason, since, statusCode: null, error: null });
    return verdict;
  });
}

/**
 * A long poll (GET /approvals/:id/wait) begins: the request as it first reads it (undefined when not in
 * the org) and, on a pending request without a callback (`noted`), the request's poll row (never a
 * callback request's: its probes say more), due only once nobody waited for
 * `GREENLIGHT_WAITER_GONE_AFTER_MS`, and its waiter present (a request flagged gone is cleared by the
 * wait that comes back: `approval.waiter_returned`). The read and both facts are one statement that
 * commits as it ends (readWaitedOnByLongPoll says why), prepared on the connection: planned on every
 * wait, they cost the waiting process more than the wait itself.
 */
export function beginPollWait(
  db: Database,
  input: { approvalId: string; orgId: string; timeoutMs: number; goneAfterMs: number },
): Promise<{ row: ApprovalRow; noted: boolean } | undefined> {
  return readWaitedOnByLongPoll(db, { approvalId: input.approvalId, orgId: input.orgId }, {
    name: 'poll_row',
    sql: `INSERT INTO waiter_probes (approval_id, org_id, kind, last_waited_at, next_probe_at)
          SELECT b.id, b.org_id, 'poll', now(), now() + $3::float8 * interval '1 millisecond' FROM b WHERE b.noted
          ON CONFLICT (approval_id) DO UPDATE SET last_waited_at = now(), next_probe_at = EXCLUDED.next_probe_at
           WHERE waiter_probes.kind = 'poll' AND waiter_probes.done_at IS NULL`,
    params: [input.timeoutMs + input.goneAfterMs],
  });
}

/**
 * A long poll that beginPollWait noted ends on a request still pending: the silence is counted from
 * now. One small write, none while it waits; a wait answered by the decision writes nothing (the
 * prober closes its poll row as it does every decided request's).
 */
export async function endPollWait(db: Database, input: { approvalId: string; goneAfterMs: number }): Promise<void> {
  await db.query(
    `UPDATE waiter_probes SET last_waited_at = now(), next_probe_at = now() + $2::float8 * interval '1 millisecond'
      WHERE approval_id = $1 AND kind = 'poll' AND done_at IS NULL`,
    [input.approvalId, input.goneAfterMs],
    { prepare: 'poll_wait_end' },
  );
}

/** The HEADs of one round, by target (URL and callback headers): each target is probed once per round. */
type RoundProbes = Map<string, Promise<AttemptResult>>;

/** One probe of a claimed row; a request that is no longer pending, or whose target is not probed, is closed without a probe. */
async function probe(rt: WaiterProbeRuntime, p: ClaimedProbe, round: RoundProbes, signal?: AbortSignal): Promise<Verdict | null> {
  if (p.kind === 'poll') return p.status === 'pending' ? recordPollSilence(rt, p) : closeProbe(rt, p);
  if (p.status !== 'pending' || p.callback_url === null) return closeProbe(rt, p);
  const target = probeTargetOf(p.callback_url);
  if (target.kind === 'unprobed') return closeProbe(rt, p, target.reason);
  const headers = openHeaders(p.callback_headers);
  const key = JSON.stringify([p.callback_url, Object.entries(headers ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))]);
  let sent = round.get(key);
  if (!sent) {
    sent = rt.sender({ method: 'HEAD', url: p.callback_url, headers: {}, extraHeaders: headers, body: '' }, signal);
    round.set(key, sent);
  }
  const result = await sent;
  // Cut off by a shutdown: no verdict; the row is due again when its lease ends.
  if (signal?.aborted) return null;
  return recordProbe(rt, p, result);
}

/** Ends a row's probing; with `reason`, a request whose waiter is not known yet says why it never will be. */
async function closeProbe(rt: WaiterProbeRuntime, p: ClaimedProbe, reason?: string): Promise<null> {
  await rt.db.transaction(async (tx) => {
    const { rowCount } = await tx.query('UPDATE waiter_probes SET done_at = now(), lease_until = NULL WHERE approval_id = $1 AND probes = $2', [p.approval_id, p.probes]);
    if (rowCount > 0 && reason) {
      await noteWaiterUnprobed(tx, p.approval_id, reason);
    }
  });
  return null;
}

/**
 * Probes every due waiter, batch after batch (each batch's probes at once), each target once (see
 * the module comment); returns how many requests got a verdict.
 */
export async function probeDueWaiters(rt: WaiterProbeRuntime, signal?: AbortSignal): Promise<number> {
  const batchSize = rt.config.GREENLIGHT_DELIVERY_CONCURRENCY;
  const leaseMs = rt.config.GREENLIGHT_DELIVERY_TIMEOUT_MS + LEASE_MARGIN_MS;
  const round: RoundProbes = new Map();
  let probed = 0;
  for (;;) {
    if (signal?.aborted) return probed;
    const { rows } = await rt.db.query<ClaimedProbe>(CLAIM_SQL, [batchSize, leaseMs]);
    const verdicts = await Promise.all(rows.map((p) => probe(rt, p, round, signal)));
    probed += verdicts.filter((v) => v !== null).length;
    if (rows.length < batchSize) return probed;
  }
}
