/**
 * An outbox runtime for tests that claim and attempt rows by hand, on a server started without its
 * delivery worker: only `channels`, retries at once then after a second, 30-second claims.
 */
import pino from 'pino';
import type { Database } from '../storage/database.ts';
import type { OutboxRuntime, RegisteredChannel } from '../delivery/outbox/attempt.ts';
import { parseSchedule } from '../delivery/outbox/schedule.ts';

export function handRuntime(db: Database, channels: readonly RegisteredChannel[]): OutboxRuntime {
  return {
    db,
    logger: pino({ level: 'silent' }),
    schedule: parseSchedule('0,1s'),
    leaseMs: 30_000,
    worker: 'test',
    channels: new Map(channels.map((c) => [c.spec.name, c])),
  };
}
