import { recordAudit } from '../../core/audit.ts';
import type { RecordPurge } from './retention.ts';

/**
 * Each purge batch leaves one `retention.purged` entry per org in the org audit log, written in the
 * batch's transaction: how many requests (and comments, events, deliveries) went, and when the
 * oldest was created and the newest closed. The entries are never purged.
 */
export const recordPurge: RecordPurge = (tx, purged, olderThanDays) =>
  recordAudit(tx, {
    orgId: purged.org_id,
    actor: { type: 'system', name: 'retention' },
    type: 'retention.purged',
    target: null,
    details: {
      requests: purged.requests,
      comments: purged.comments,
      events: purged.events,
      deliveries: purged.deliveries,
      oldest_created_at: purged.oldest_created_at.toISOString(),
      newest_closed_at: purged.newest_closed_at.toISOString(),
      older_than_days: olderThanDays,
    },
  });
