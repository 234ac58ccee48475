import type { Logger } from 'pino';
import type { Database } from '../storage/database.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { expireDue } from '../core/approvals/index.ts';
import { every, type Job } from './every.ts';

/**
 * The expiry sweep: every `intervalMs`, requests past their deadline are expired (or decided as their
 * `on_expiry` says) by the core's transition (core/approvals/state-machine.ts, expireDue); the metrics count
 * each batch's outcomes.
 */
export function startExpirySweep(db: Database, logger: Logger, intervalMs: number, metrics?: Metrics): Job {
  return every(intervalMs, logger, 'expiry-sweeper', () => expireDue(db, metrics && ((outcome) => metrics.approvalDecided(outcome, 'system'))));
}
