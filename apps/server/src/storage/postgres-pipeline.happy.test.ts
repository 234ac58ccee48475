/**
 * A transaction on Postgres (postgres.ts, transaction) sends its BEGIN and its first statements
 * together, instead of waiting a round trip for BEGIN's answer: seen here from a TCP relay between
 * the pool and Postgres. And it stays one transaction whatever fails in it: its first statement, a
 * later one, or the code around them before any statement was sent. What it issues in one stretch of
 * code leaves in one write: BEGIN with its first statements, its last with COMMIT and the statement
 * behind it.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../testing/harness.ts';
import type { Database } from './database.ts';
import { openPostgres } from './postgres.ts';

describe.skipIf(!TEST_DATABASE_URL)('a transaction on Postgres', () => {
  let t: TestDatabase;
  let relay: net.Server;
  let db: Database;
  /** What crossed the relay, in order: 'c' sent by the pool, 's' answered by Postgres. */
  const crossed: Array<['c' | 's', Buffer]> = [];

  beforeAll(async () => {
    t = await openTestDatabase();
    const target = new URL(t.url!);
    relay = net.createServer((client) => {
      const server = net.connect(Number(target.port || 5432), target.hostname);
      client.on('data', (b) => {
        crossed.push(['c', b]);
        server.write(b);
      });
      server.on('data', (b) => {
        crossed.push(['s', b]);
        client.write(b);
      });
      client.on('close', () => server.destroy());
      server.on('close', () => client.destroy());
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const viaRelay = new URL(t.url!);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String((relay.address() as net.AddressInfo).port);
    db = await openPostgres({ connectionString: viaRelay.toString(), max: 1 });
    await db.query('CREATE TABLE pipelined (id int PRIMARY KEY)');
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await new Promise((r) => relay?.close(r));
    await t?.drop();
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
    expect((await t.db.query('SELECT id FROM pipelined')).rows).toEqual([{ id: 3 }]);
  });

  it('writes to its socket twice: BEGIN with its first statement, the announcement with COMMIT and the statement behind it', async () => {
    const direct = await openPostgres({ connectionString: t.url!, max: 1 });
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
