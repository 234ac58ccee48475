import type { Database, Queryable } from '../storage/database.ts';
import type { SecretKeys } from './sealed.ts';

/**
 * Every column that holds a secret at rest. `json`: a jsonb column whose plain form is an object and
 * whose sealed form is a JSON string of the sealed object.
 */
const COLUMNS = [
  { table: 'webhook_subscriptions', key: 'id', column: 'secret', json: false },
  { table: 'webhook_subscriptions', key: 'id', column: 'previous_secret', json: false },
  { table: 'callback_secrets', key: 'org_id', column: 'secret', json: false },
  { table: 'callback_secrets', key: 'org_id', column: 'previous_secret', json: false },
  { table: 'approvals', key: 'id', column: 'callback_headers', json: true },
  { table: 'deliveries', key: 'id', column: 'sealed', json: true },
  { table: 'slack_settings', key: 'org_id', column: 'bot_token', json: false },
  { table: 'slack_settings', key: 'org_id', column: 'signing_secret', json: false },
  { table: 'sso_settings', key: 'org_id', column: 'client_secret', json: false },
  { table: 'audit_signing_keys', key: 'kid', column: 'private_key', json: false },
] as const;

const BATCH = 500;

/**
 * Seals, with the current key, every secret stored in plain text (before encryption) or under a
 * previous key; run at start-up, so an upgrade or a new key takes effect without a separate step
 * (values under the current key are not read). Batches of rows, each in its own transaction with the
 * rows locked, so a concurrent rotation is never overwritten with an older value. Answers how many
 * values were sealed.
 */
export async function reencryptSecrets(db: Database, keys: SecretKeys): Promise<number> {
  let sealed = 0;
  for (const c of COLUMNS) {
    const stale = c.json
      ? // An empty object (no headers) has nothing to hide.
        `${c.column} IS NOT NULL AND ${c.column} <> '{}'::jsonb AND (jsonb_typeof(${c.column}) <> 'string' OR NOT starts_with(${c.column} #>> '{}', $2))`
      : `${c.column} IS NOT NULL AND NOT starts_with(${c.column}, $2)`;
    let after: string | null = null;
    for (;;) {
      const batch: number = await db.transaction(async (tx: Queryable) => {
        const { rows } = await tx.query<{ k: string; v: unknown }>(
          `SELECT ${c.key}::text AS k, ${c.json ? `${c.column}::text` : c.column} AS v FROM ${c.table}
            WHERE ${stale} AND ($1::text IS NULL OR ${c.key}::text > $1) ORDER BY ${c.key}::text LIMIT ${BATCH} FOR UPDATE`,
          [after, keys.currentPrefix],
        );
        for (const r of rows) {
          const text = r.v as string;
          // jsonb as text: a JSON string (sealed) or the plain object.
          const plain = c.json ? (text.startsWith('"') ? keys.open(JSON.parse(text) as string) : text) : keys.open(text);
          const value = c.json ? JSON.stringify(keys.seal(plain)) : keys.seal(plain);
          await tx.query(`UPDATE ${c.table} SET ${c.column} = $2${c.json ? '::text::jsonb' : ''} WHERE ${c.key}::text = $1`, [r.k, value]);
        }
        if (rows.length > 0) after = rows[rows.length - 1]!.k;
        return rows.length;
      });
      sealed += batch;
      if (batch < BATCH) break;
    }
  }
  return sealed;
}
