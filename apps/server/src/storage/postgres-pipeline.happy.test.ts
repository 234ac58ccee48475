/**
 * A transaction on Postgres (postgres.ts, transaction) sends its BEGIN and its first statements
 * together, instead of waiting a round trip for BEGIN's answer: seen here from a TCP relay between
 * the pool and Postgres. And it stays one transaction whatever fails in it: its first statement, a
 * later one, or the code around them before any statement was sent. What it issues in one stretch of
 * code leaves in one write: BEGIN with its first statements, its last with COMMIT and the statement
 * behind it.
 */
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import { useRelayedPostgres } from '../testing/tcp-relay.ts';
import type { Database } from './database.ts';
import { openPostgres } from './postgres.ts';

describe.skipIf(!TEST_DATABASE_URL)('a transaction on Postgres', () => {
  /** What crossed the relay, in order: 'c' sent by the pool, 's' answered by Postgres. */
  const crossed: Array<['c' | 's', Buffer]> = [];
  const relayed = useRelayedPostgres(1, (from, b) => crossed.push([from, b]));
  let db: Database;
  beforeAll(async () => {
    db = relayed.db;
    await db.query('CREATE TABLE pipelined (id int PRIMARY KEY)');
  }, 60_000);

  it('sends its first statement before BEGIN is answered', async () => {
    // The pool's one connection is open and idle before the transaction starts.
    await db.query('SELECT 1');
    crossed.length = 0;
    await db.transaction(async (tx) => {
      await tx.query(`SELECT 'the first statement' AS x`);
    });
    const firstAnswer = crossed.findIndex(([from]) => from === 's');
    const sentBefore = Buffer.concat(crossed.slice(0, firstAnswer).map(([, b]) => b)).toString('latin1');
    expect(sentBefore).toContain('BEGIN');
    expect(sentBefore).toContain('the first statement');
  });

  it('writes nothing when its first statement fails, or a later one', async () => {
    await expect(db.transaction(async (tx) => {
      await tx.query('INSERT INTO pipelined VALUES (1), (1)');
    })).rejects.toMatchObject({ code: '23505' });
    await expect(db.transaction(async (tx) => {
      await tx.query('INSERT INTO pipelined VALUES (2)');
      await tx.query('SELECT 1 / 0');
    })).rejects.toMatchObject({ code: '22012' });
    expect((await db.query('SELECT count(*)::int AS n FROM pipelined')).rows).toEqual([{ n: 0 }]);
  });

  it('leaves its connection outside any transaction when the code fails before a statement is sent', async () => {
    await expect(db.transaction(async () => {
      throw new Error('refused before any statement');
    })).rejects.toThrow('refused before any statement');
    // The pool's one connection again: a write of its own commits at once, seen from another connection.
    await db.query('INSERT INTO pipelined VALUES (3)');
    expect((await relayed.t.db.query('SELECT id FROM pipelined')).rows).toEqual([{ id: 3 }]);
  });

  it('writes to its socket twice: BEGIN with its first statement, the announcement with COMMIT and the statement behind it', async () => {
    const direct = await openPostgres({ connectionString: relayed.t.url!, max: 1 });
    try {
      await direct.query('SELECT 1');
      const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
      const [write, writev] = [proto._write, proto._writev];
      let writes = 0;
      proto._write = function (this: net.Socket, ...args: unknown[]) {
        writes++;
        return write.apply(this, args);
      };
      proto._writev = function (this: net.Socket, ...args: unknown[]) {
        writes++;
        return writev.apply(this, args);
      };
      try {
        await direct.transaction(async (tx) => {
          await tx.query(`SELECT 'the first statement' AS x`);
          tx.notify('pipelined_writes', 'org:1:e1:approval.revoked', true);
        });
      } finally {
        [proto._write, proto._writev] = [write, writev];
      }
      expect(writes).toBe(2);
    } finally {
      await direct.close();
    }
  });
});
