/**
 * One writer of the outbox: in TypeScript only this folder writes the `deliveries` table (so every row
 * is checked by its channel's schema on the way in), and in SQL only the functions that queue rows with
 * their event, claim them, and remove them with their request. A new writer elsewhere fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../', import.meta.url));
const WRITE = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+deliveries\b/i;

/** The SQL functions that write the table (storage/functions/), each for a reason of its own. */
const SQL_WRITERS = [
  'storage/functions/events_fan_out.sql', // an event's rows, in the statement that inserts it
  'storage/functions/greenlight_create_approvals.sql', // a create's rows, in its one statement
  'storage/functions/greenlight_queue_message_updates.sql', // the rewrites of sent messages when a request ends
  'storage/functions/greenlight_claim_deliveries.sql', // the one definition of a claim
  'storage/functions/greenlight_purge_closed.sql', // retention removes a request with its rows
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

it('only delivery/outbox/ (TypeScript) and the listed SQL functions write the deliveries table', () => {
  const writers = files(SRC)
    .map((path) => relative(SRC, path).split('\\').join('/'))
    .filter((path) => (path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.startsWith('testing/')) || path.startsWith('storage/functions/'))
    .filter((path) => WRITE.test(readFileSync(join(SRC, path), 'utf8')));
  const outside = writers.filter((path) => !path.startsWith('delivery/outbox/') && !SQL_WRITERS.includes(path));
  expect(outside).toEqual([]);
  // The list is kept honest: each listed function still writes it.
  expect(SQL_WRITERS.filter((path) => !writers.includes(path))).toEqual([]);
});
