/**
 * A decision altered, removed, reordered or passed off as an audit entry in an export fails
 * verification naming it, by the library and by `greenlight audit verify`; a link's decision cannot be
 * changed in the database; another org's decisions are not in an org's ledger.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLedger } from '@greenlight/contract';
import { AUDIT_KEYS_PATH, verifyLedger, type AuditKeySet } from '@greenlight/client/audit-ledger';
import { AUTOMATION_COMMANDS, type CliIo } from '@greenlight/client/cli';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;
let doc: AuditLedger;
let keys: AuditKeySet;
let dir: string;
/** Positions (0-based) of the decisions in `doc.entries`. */
let at: number[];

beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  seed = await seedOrg(server.db, 'Decisions audited');
  admin = await signedIn(server, seed);
  for (let i = 0; i < 4; i++) {
    const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: `change ${i}` })).expect(201)).body;
    await admin.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: i % 2 ? 'reject' : 'approve', comment: `decision ${i}` }).expect(200);
    await admin.http().post('/api/v1/connections').send({ name: `key ${i}` }).expect(201);
  }
  doc = (await admin.http().get('/api/v1/audit-log/ledger').expect(200)).body;
  keys = (await server.http().get(AUDIT_KEYS_PATH).expect(200)).body;
  at = doc.entries.flatMap((e, i) => (e.kind === 'decision' ? [i] : []));
  dir = await mkdtemp(join(tmpdir(), 'gl-ledger-decisions-'));
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const copy = (): AuditLedger => structuredClone(doc);
const decisionAt = (d: AuditLedger, n: number) => d.entries[at[n]!]! as Extract<AuditLedger['entries'][number], { kind: 'decision' }>;

/** Each alteration, the entry (seq) verification must name, and what it must say. */
const ALTERED: [string, () => AuditLedger, () => number, (d: AuditLedger) => RegExp][] = [
  ['a decision turned from reject to approve', () => {
    const d = copy();
    decisionAt(d, 1).details.decision = 'approve';
    return d;
  }, () => doc.entries[at[1]!]!.seq, () => /was altered.*the decision \d+, approval\.rejected on request/],
  ['a comment changed', () => {
    const d = copy();
    decisionAt(d, 0).details.comment = 'not what was said';
    return d;
  }, () => doc.entries[at[0]!]!.seq, () => /was altered.*the decision/],
  ['the content decided on changed', () => {
    const d = copy();
    decisionAt(d, 2).details.approved_content_sha256 = '0'.repeat(64);
    return d;
  }, () => doc.entries[at[2]!]!.seq, () => /was altered.*the decision/],
  ['the decider changed', () => {
    const d = copy();
    decisionAt(d, 2).details.decider = { kind: 'policy', id: 'p1', name: 'a policy' };
    return d;
  }, () => doc.entries[at[2]!]!.seq, () => /was altered.*the decision/],
  ['a decision passed off as an audit entry', () => {
    const d = copy();
    (d.entries[at[3]!] as { kind: string }).kind = 'audit';
    return d;
  }, () => doc.entries[at[3]!]!.seq, () => /was altered.*the audit entry/],
  ['a decision removed', () => {
    const d = copy();
    d.entries.splice(at[1]!, 1);
    return d;
  }, () => doc.entries[at[1]!]!.seq, () => /was removed \(the next entry is/],
  ['two decisions swapped', () => {
    const d = copy();
    [d.entries[at[1]!], d.entries[at[2]!]] = [d.entries[at[2]!]!, d.entries[at[1]!]!];
    return d;
  }, () => doc.entries[at[2]!]!.seq, () => /is out of order .*: reordered: the decision/],
];

describe('an export with decisions', () => {
  it('holds the decisions between the audit entries and verifies untouched', () => {
    expect(at).toHaveLength(4);
    expect(at[0]).toBeLessThan(at[1]! - 1); // an audit entry (the key created) between them
    expect(verifyLedger(doc, keys).ok).toBe(true);
  });

  for (const [name, alter, seq, problem] of ALTERED) {
    it(`fails naming the decision: ${name}`, () => {
      const result = verifyLedger(alter(), keys);
      expect(result).toMatchObject({ ok: false, seq: seq() });
      if (!result.ok) expect(result.problem).toMatch(problem(doc));
    });
  }

  it('`greenlight audit verify` exits 1 for each, naming the entry', async () => {
    const keyFile = join(dir, 'keys.json');
    await writeFile(keyFile, JSON.stringify(keys));
    for (const [name, alter, seq, problem] of ALTERED) {
      const file = join(dir, 'altered.json');
      await writeFile(file, JSON.stringify(alter()));
      const o = io();
      const code = await AUTOMATION_COMMANDS.audit!.run(['verify', file, '--key', keyFile], o);
      expect(code, name).toBe(1);
      expect(o.err, name).toMatch(problem(doc));
      expect(o.err, name).toContain(`entry ${seq()} `);
    }
  });
});

describe('the links of decisions in the database', () => {
  it('refuse a change of a hashed decision, and a second hashing', async () => {
    const code = (p: Promise<unknown>) => p.then(() => 'done', (err: { code?: string }) => err.code);
    const seq = doc.entries[at[0]!]!.seq;
    expect(await code(server.db.query(`UPDATE audit_chain SET decision = decision || '{"type":"approval.rejected"}' WHERE org_id = $1 AND seq = $2`, [seed.org.id, seq]))).toBe('42501');
    expect(await code(server.db.query(`UPDATE audit_chain SET hash = repeat('a', 64), prev_hash = repeat('a', 64) WHERE org_id = $1 AND seq = $2`, [seed.org.id, seq]))).toBe('42501');
    expect(await code(server.db.query('DELETE FROM audit_chain WHERE org_id = $1 AND seq = $2', [seed.org.id, seq]))).toBe('42501');
  });

  it('a link is placed only with its hash, once, and a placed link is never moved', async () => {
    const code = (p: Promise<unknown>) => p.then(() => 'done', (err: { code?: string }) => err.code);
    // A decision's link as its statement writes it: unplaced and unhashed, until the next seal.
    const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'placed later' })).expect(201)).body;
    await admin.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    const { rows } = await server.db.query<{ id: string; seq: string | null; hash: string | null }>(
      `SELECT id::text AS id, seq::text AS seq, hash FROM audit_chain WHERE org_id = $1 AND decision->'target'->>'id' = $2`,
      [seed.org.id, a.id],
    );
    expect(rows).toEqual([{ id: expect.any(String), seq: null, hash: null }]);
    const link = rows[0]!.id;
    const hash = "repeat('b', 64)";
    // Placed without a hash, or with a seq another link holds: refused.
    expect(await code(server.db.query('UPDATE audit_chain SET seq = 999999 WHERE id = $1', [link]))).toBe('42501');
    expect(await code(server.db.query(`UPDATE audit_chain SET seq = $2, prev_hash = ${hash}, hash = ${hash} WHERE id = $1`, [link, doc.entries[0]!.seq]))).toBe('23505');
    // The sealer places it after the last link; the placed link can be neither moved nor hashed again.
    const head = (await admin.http().get('/api/v1/audit-log/ledger').expect(200)).body as AuditLedger;
    const placed = head.entries.find((e) => e.target?.id === a.id)!;
    expect(placed.seq).toBe(head.to_seq);
    expect(await code(server.db.query(`UPDATE audit_chain SET seq = seq + 1000 WHERE id = $1`, [link]))).toBe('42501');
    expect(await code(server.db.query(`UPDATE audit_chain SET prev_hash = ${hash}, hash = ${hash} WHERE id = $1`, [link]))).toBe('42501');
  });
});

describe('across orgs', () => {
  it("an org's decisions are in its own ledger only", async () => {
    const other = await seedOrg(server.db, 'Other org');
    const otherAdmin = await signedIn(server, other);
    const a = (await server.http(other.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await otherAdmin.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    const mine = (await admin.http().get('/api/v1/audit-log/ledger').expect(200)).body as AuditLedger;
    expect(mine.entries.some((e) => e.target?.id === a.id)).toBe(false);
    const theirs = (await otherAdmin.http().get('/api/v1/audit-log/ledger').expect(200)).body as AuditLedger;
    expect(theirs.entries.filter((e) => e.kind === 'decision').map((e) => e.target?.id)).toEqual([a.id]);
    // A request of another org cannot be decided into this org's chain.
    await admin.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'reject' }).expect(404);
  });
});

function io(): CliIo & { out: string; err: string } {
  const r = {
    out: '',
    err: '',
    env: { GREENLIGHT_URL: undefined },
    stdout: (t: string) => void (r.out += t),
    stderr: (t: string) => void (r.err += t),
    readStdin: async () => '',
    readFile: async (p: string) => (await import('node:fs/promises')).readFile(p, 'utf8'),
    onStopSignal: () => () => {},
    exit: (code: number): never => {
      throw new Error(`exit ${code}`);
    },
  };
  return r;
}
