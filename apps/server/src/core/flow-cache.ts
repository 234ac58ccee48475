import type { ReminderPolicy, Flow } from '@greenlight/contract';
import type { Queryable } from '../storage/database.ts';
import { OrgCache } from './org-cache.ts';

/** Announces, after commit, that one of an org's flows changed or was deleted (payload: the org id). */
export const FLOWS_CHANNEL = 'greenlight_flows';

/** A flow version as stored (flow_versions.definition): `quorum` null means all. */
export interface FlowDefinition {
  description: string | null;
  expires_in_seconds: number | null;
  on_expiry: Flow['on_expiry'];
  /** `reminders` absent in versions stored before steps had a policy. */
  steps: { name: string | null; user_ids: string[]; team_ids: string[]; quorum: number | null; time_limit_seconds: number | null; reminders?: ReminderPolicy | null }[];
}

/** The version a new run of a flow starts with. */
export interface FlowVersion {
  version: number;
  definition: FlowDefinition;
}

/** Reads a flow's current version, uncached; null when the org has no such flow (or it was deleted). */
export type ReadFlowVersion = (db: Queryable, orgId: string, flowId: string) => Promise<FlowVersion | null>;

function frozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The current versions of the flows each org's creates start runs of, cached in the process so that
 * a run's create reads none (the N1 bench's named requests; a routing rule that starts a flow).
 * Invalidated as routing rules are (OrgCache, FLOWS_CHANNEL): a change drops the org's entry here at
 * once and on other replicas when the NOTIFY arrives, so for those milliseconds another replica may
 * start a run of the version before, as a create that raced the change would. An org's entry holds
 * only the flows its creates named since it was made, one read each; a flow that does not exist is
 * never kept (any id may be sent), and a version is frozen, as every create shares it.
 */
export class FlowCache extends OrgCache<Map<string, FlowVersion>> {
  /** `readVersion`: the flows module's own read of a current version (modules/flows/flows.ts). */
  constructor(
    private readonly readVersion: ReadFlowVersion,
    ttlMs?: number,
    maxEntries?: number,
  ) {
    // The org's entry starts empty, without a read: its flows are read as creates name them.
    super(FLOWS_CHANNEL, () => Promise.resolve(new Map()), ttlMs, maxEntries);
  }

  /** The flow's current version: cached, or read; null when the org has no such flow. */
  async versionOf(db: Queryable, orgId: string, flowId: string): Promise<FlowVersion | null> {
    const flows = await this.of(db, orgId);
    const hit = flows.get(flowId);
    if (hit) return hit;
    const read = await this.readVersion(db, orgId, flowId);
    // A change committed during the read dropped `flows` from the cache: what is stored in it then is never read.
    if (read) flows.set(flowId, frozen(read));
    return read;
  }
}
