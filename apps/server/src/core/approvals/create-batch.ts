import { randomUUID } from 'node:crypto';
import { asksForInput } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { contentSha256, type NewApproval } from '../approval-record.ts';
import { wellFormed } from '../text.ts';
import { Batcher } from '../../storage/batcher.ts';
import type { AskerFacts, CanColumns } from './rules.ts';
import type { RunStepRow } from '../run.ts';

/**
 * One request to write: the columns a create sets, without the id (chosen when it is sent), and
 * whether the writer sends notifications (the statement then queues the `notify` row that works out
 * whom to tell; see greenlight_create_approvals.sql).
 */
export type CreateItem = Omit<NewApproval, 'id'> & {
  notify?: boolean;
  /** A request with a callback_url: its waiter is first probed this long after creation (delivery/waiter-probes.ts); absent: never. */
  probe_after_ms?: number;
  /** A run's steps given with the request (a routing rule's approvers), in a flow definition's shape; a flow's come from its version. */
  steps?: RunStepDefinition[];
  /** A durable engine to resume when the request ends (channels/engines): the engine, and the request's `resume` sealed. */
  resume?: { engine: string; target: string };
  /**
   * The writer runs a delivery worker: the `notify` row (if the statement queues one) is claimed for
   * the writer's first attempt, for this long, and comes back as `notify`.
   */
  claim_notify_ms?: number;
  /** Who waits for the answer: the create then answers what they may do with the request (`can_columns`). */
  viewer?: AskerFacts;
};

/** One step of a run as flows store it (flow_versions.definition): `quorum` null means all. */
export interface RunStepDefinition {
  name: string | null;
  user_ids: string[];
  team_ids: string[];
  quorum: number | null;
  time_limit_seconds: number | null;
}

/** What the create statement answers for one request; `approval` is the new row as JSON, null when nothing was inserted. */
export interface CreateResult {
  org_open: boolean;
  event_id: string | null;
  /** Whether the statement queued a delivery for the delivery worker. */
  fanned_out: boolean;
  approval: Record<string, unknown> | null;
  /** The `notify` row claimed for the writer (`claim_notify_ms`), as JSON (delivery/outbox: claimedFromJson). */
  notify: Record<string, unknown> | null;
  /** What the item's `viewer` may do with the new request, as the rule's columns (rules.ts viewerCanOfRow); null without a viewer or a request. */
  can_columns: CanColumns | null;
  /** With a viewer, a request with steps: its run's steps, as GET shows them (run.ts runStepsSql); null otherwise. */
  run_steps: RunStepRow[] | null;
}

const ONE_SQL = `
SELECT r.org_open, r.event_id::text AS event_id, r.fanned_out, r.approval, r.notify, r.can_columns, r.run_steps FROM greenlight_create_approval($1) AS r`;

const MANY_SQL = `
SELECT r.ord, r.org_open, r.event_id::text AS event_id, r.fanned_out, r.approval, r.notify, r.can_columns, r.run_steps FROM greenlight_create_approvals($1) AS r`;

/** The text columns of a request, which the single path makes well-formed (see createOne). */
const TEXT_COLUMNS = [
  'requested_by_name', 'title', 'description', 'action_type', 'source', 'callback_url', 'external_id', 'idempotency_key',
] as const satisfies readonly (keyof CreateItem)[];

/**
 * Whether a request names its approvers: a flow's run, or steps given with it (a routing rule's). Such
 * a request is told at once: its create marks its `notify` row `named` (notify/notify-spec.ts), and a
 * writer that claims that row reads ahead of it (ReadBehind). The statement takes it from the item.
 */
export function namesItsApprovers(item: Pick<CreateItem, 'flow_id' | 'steps'>): boolean {
  return item.flow_id !== null || (item.steps?.length ?? 0) > 0;
}

/**
 * An item as the statement takes it: whether it names its approvers (`named`), and `response_schema`
 * as JSON text, since the statement's jsonb parameter would reorder its keys (the order of the form's
 * fields); greenlight_create_approvals parses it.
 */
const sendable = (item: CreateItem): Record<string, unknown> => ({
  ...item,
  named: namesItsApprovers(item),
  ...(item.response_schema && { response_schema: JSON.stringify(item.response_schema) }),
});

/**
 * What a vote without input approves, for a request that asks for no input (its content then never
 * changes: greenlight_decide's `fast` takes it from the row instead of a read); null for one that asks.
 * Made from the values sent, after the texts are made well-formed, so it is the hash of what is stored.
 */
const contentHashOf = (item: CreateItem, texts: Pick<CreateItem, 'title' | 'description'>): string | null =>
  asksForInput(item) ? null : contentSha256({ title: texts.title, description: texts.description, metadata: item.metadata, changes: item.changes });

/**
 * One request in one statement: the path of a request that arrives alone, and of a batch that failed.
 * A text with a lone UTF-16 surrogate cannot travel in JSON (Postgres refuses the escape, and with it
 * the batch); here such texts are stored with U+FFFD in its place, as the drivers store any text
 * parameter, and the request is written. JSON columns (metadata, tags…) are refused as everywhere.
 */
export async function createOne(db: Queryable, item: CreateItem, behind?: ReadBehind): Promise<CreateResult> {
  const id = randomUUID();
  const sent: Record<string, unknown> = { ...sendable(item), id };
  for (const k of TEXT_COLUMNS) sent[k] = wellFormed(item[k]);
  sent.content_sha256 = contentHashOf(item, sent as Pick<CreateItem, 'title' | 'description'>);
  const { rows } = await db.query<CreateResult>(ONE_SQL, [JSON.stringify(sent)], { prepare: 'create_approval', ...(behind && { behind: (on) => behind(on, id) }) });
  return rows[0]!;
}

/** Several requests in one statement, one answer row each in their order; rejects as a whole when the statement fails. */
export async function createMany(db: Queryable, items: CreateItem[]): Promise<CreateResult[]> {
  // A text with a lone surrogate fails the whole statement (createOne writes it well-formed): as sent, the texts are stored.
  const payload = items.map((item) => ({ ...sendable(item), id: randomUUID(), content_sha256: contentHashOf(item, item) }));
  const { rows } = await db.query<CreateResult & { ord: number }>(MANY_SQL, [JSON.stringify(payload)], { prepare: 'create_approvals' });
  return rows;
}

/**
 * Work done in the create's own transaction once its request is written (a decider's: core/deciders),
 * so that what it writes commits with the request or not at all. Called only for a request that was
 * written (the org open, its key free); its answer comes back as `after`.
 */
export type InCreateTransaction = (tx: Queryable, written: CreateResult) => Promise<unknown>;

/**
 * Reads of the new request sent right behind its create statement on its connection (QueryOptions.behind),
 * run once it has committed: what the first attempt of its notification reads, without a round trip
 * after the create's answer. Only a create written alone and without InCreateTransaction work sends
 * them; the caller then finds them run (it passes the promise on), else it reads as it would have.
 */
export type ReadBehind = (on: Queryable, approvalId: string) => Promise<unknown>;

/** A create's answer, with what its InCreateTransaction answered (undefined when it did not run). */
export type Written = CreateResult & { after?: unknown };

interface Waiting {
  item: CreateItem;
  after: InCreateTransaction | undefined;
  behind: ReadBehind | undefined;
  resolve: (r: Written) => void;
  reject: (err: unknown) => void;
}

const written = (r: CreateResult) => r.org_open && r.approval !== null;

/**
 * Gathers the creates that are waiting at the same time into one statement (group commit in the
 * server): the statement, its executor start, its commit and its round trip are paid once per batch
 * instead of once per request, which is most of a create's cost on Postgres under load (measured on
 * one connection: backend CPU per create 0.43 ms alone, 0.20 ms in fours, 0.13 ms in sixteens).
 *
 * Nothing waits on a timer (storage/batcher.ts). A create is sent on the next turn of the event loop
 * with whatever else arrived in the same turn; while MAX_IN_FLIGHT statements are already running,
 * later creates queue and go together in the next one. So a create that arrives alone is sent at
 * once, and batches grow only as the database gets busy.
 *
 * Each request still gets its own answer and its own error: when a batch's statement fails (an
 * external_id taken, a text the database refuses), nothing of it was written, and each of its
 * requests is written again on its own. Those go at once, side by side, so one bad request costs the
 * others a round trip rather than a queue; their `seq` then follows the order they commit in, not the
 * order they arrived in, as for any requests sent at the same moment.
 */
export class CreateBatcher {
  private readonly batcher: Batcher<Waiting>;

  constructor(
    private readonly db: Database,
    maxInFlight = MAX_IN_FLIGHT,
    maxBatch = MAX_BATCH,
  ) {
    this.batcher = new Batcher((batch) => this.write(batch), maxInFlight, maxBatch);
  }

  create(item: CreateItem, after?: InCreateTransaction, behind?: ReadBehind): Promise<Written> {
    return new Promise<Written>((resolve, reject) => this.batcher.add({ item, after, behind, resolve, reject }));
  }

  private async write(batch: Waiting[]): Promise<void> {
    if (batch.length > 1) {
      let rows: Written[] | undefined;
      try {
        rows = batch.some((w) => w.after) ? await this.db.transaction((tx) => manyWithWork(tx, batch)) : await createMany(this.db, batch.map((w) => w.item));
      } catch {
        // Nothing of the batch was written: each request on its own below, with its own answer.
      }
      if (rows) {
        // One row per request, in order (the statement's ORDER BY ord). Anything else is a bug, and
        // the batch has committed: an error for each, never a second write.
        if (rows.length !== batch.length) {
          const err = new Error(`create batch answered ${rows.length} rows for ${batch.length} requests`);
          for (const w of batch) w.reject(err);
          return;
        }
        batch.forEach((w, i) => w.resolve(rows[i]!));
        return;
      }
    }
    await Promise.all(batch.map((w) => oneWithWork(this.db, w).then(w.resolve, w.reject)));
  }
}

/**
 * A batch whose requests have work in their transaction: the statement, then each request's work in
 * the order they came, all in the caller's one transaction. Work that throws undoes the whole batch
 * (the caller then writes each request alone).
 */
async function manyWithWork(tx: Queryable, batch: Waiting[]): Promise<Written[]> {
  const rows: Written[] = await createMany(tx, batch.map((w) => w.item));
  if (rows.length !== batch.length) return rows;
  for (const [i, w] of batch.entries()) {
    const r = rows[i]!;
    if (w.after && written(r)) rows[i] = { ...r, after: await w.after(tx, r) };
  }
  return rows;
}

/** One request alone: in its own transaction with its work, if it has any. */
function oneWithWork(db: Database, w: Waiting): Promise<Written> {
  const after = w.after;
  if (!after) return createOne(db, w.item, w.behind);
  return db.transaction(async (tx) => {
    const r = await createOne(tx, w.item);
    return written(r) ? { ...r, after: await after(tx, r) } : r;
  });
}

/** Statements of creates running at once; more creates wait and go together in the next one. */
export const MAX_IN_FLIGHT = 4;
/** Requests per statement at most: bounds its JSON parameter to 64 bodies, each within GREENLIGHT_BODY_LIMIT. */
export const MAX_BATCH = 64;

const batchers = new WeakMap<Database, CreateBatcher>();
/** The batcher of a database: one per pool, whatever number of apps share it. */
export function createBatcherOf(db: Database): CreateBatcher {
  let b = batchers.get(db);
  if (!b) {
    b = new CreateBatcher(db);
    batchers.set(db, b);
  }
  return b;
}
