/**
 * An export altered in each way an auditor must catch fails verification naming the entry: by the
 * library and by `greenlight audit verify` (its exit codes). And another org's admin cannot export.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLedger } from '@greenlight/contract';
import { AUDIT_KEYS_PATH, jwkThumbprint, statementBytes, verifyLedger, type AuditKeySet } from '@greenlight/client/audit-ledger';
import { AUTOMATION_COMMANDS, type CliIo } from '@greenlight/client/cli';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;
let doc: AuditLedger;
let keys: AuditKeySet;
let dir: string;

beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  seed = await seedOrg(server.db, 'Audited');
  admin = await signedIn(server, seed);
  for (let i = 0; i < 5; i++) await admin.http().post('/api/v1/connections').send({ name: `key ${i}` }).expect(201);
  doc = (await admin.http().get('/api/v1/audit-log/ledger').expect(200)).body;
  keys = (await server.http().get(AUDIT_KEYS_PATH).expect(200)).body;
  dir = await mkdtemp(join(tmpdir(), 'gl-ledger-'));
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const copy = (): AuditLedger => structuredClone(doc);

/** Each alteration, the entry (seq) verification must name (null: none, the signature fails) and what it says. */
const ALTERED: [string, () => AuditLedger, () => number | null, RegExp][] = [
  ['a field changed', () => {
    const d = copy();
    d.entries[2]!.details = { ...d.entries[2]!.details, name: 'not what was done' };
    return d;
  }, () => 3, /entry 3 was altered/],
  ['the actor changed', () => {
    const d = copy();
    d.entries[3]!.actor = { ...d.entries[3]!.actor, name: 'someone else' };
    return d;
  }, () => 4, /entry 4 was altered/],
  ['an entry removed', () => {
    const d = copy();
    d.entries.splice(2, 1);
    return d;
  }, () => 3, /entry 3 was removed/],
  ['two entries swapped', () => {
    const d = copy();
    [d.entries[2], d.entries[3]] = [d.entries[3]!, d.entries[2]!];
    return d;
  }, () => 4, /entry 4 is out of order.*entry 3/],
  ['the last entry dropped', () => {
    const d = copy();
    d.entries.pop();
    return d;
  }, () => doc.to_seq, /was removed \(the signed range ends at/],
  ['the last entry dropped and the range edited to match', () => {
    const d = copy();
    d.entries.pop();
    d.to_seq -= 1;
    d.last_hash = d.entries.at(-1)!.hash;
    return d;
  }, () => null, /signature does not verify/],
  ['a hash changed', () => {
    const d = copy();
    d.entries[1]!.hash = 'f'.repeat(64);
    return d;
  }, () => 2, /entry 2 was altered/],
  ['signed with another key under the same key id', () => {
    const d = copy();
    const other = generateKeyPairSync('ed25519');
    d.signature.value = sign(null, statementBytes(d, d.signature.kid), other.privateKey).toString('base64url');
    return d;
  }, () => null, /signature does not verify/],
  ['signed with another key of its own', () => {
    const d = copy();
    const other = generateKeyPairSync('ed25519');
    const kid = jwkThumbprint(other.publicKey.export({ format: 'jwk' }));
    d.signature = { alg: 'EdDSA', kid, value: sign(null, statementBytes(d, kid), other.privateKey).toString('base64url') };
    return d;
  }, () => null, /not among the trusted keys/],
  ['moved to another org', () => {
    const d = copy();
    d.org_id = '00000000-0000-4000-8000-000000000000';
    return d;
  }, () => null, /signature does not verify/],
];

describe('an altered export', () => {
  it('the untouched export verifies', () => {
    expect(doc.entries.length).toBeGreaterThanOrEqual(6);
    expect(verifyLedger(doc, keys).ok).toBe(true);
  });

  for (const [name, alter, seq, problem] of ALTERED) {
    it(`fails verification naming the entry: ${name}`, () => {
      const result = verifyLedger(alter(), keys);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problem).toMatch(problem);
      expect(result.seq).toBe(seq());
      if (result.seq !== null) expect(result.problem).toContain(`entry ${result.seq} `);
    });
  }
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

const verifyCli = async (...args: string[]) => {
  const o = io();
  const code = await AUTOMATION_COMMANDS.audit!.run(['verify', ...args], o);
  return { code, out: o.out, err: o.err };
};

describe('greenlight audit verify', () => {
  it('exits 0 for the export, with the keys from the URL or a file', async () => {
    const file = join(dir, 'ledger.json');
    await writeFile(file, JSON.stringify(doc));
    const keyFile = join(dir, 'keys.json');
    await writeFile(keyFile, JSON.stringify(keys));
    const byUrl = await verifyCli(file, '--key', server.url + AUDIT_KEYS_PATH);
    expect(byUrl).toMatchObject({ code: 0, err: '' });
    expect(byUrl.out).toContain(`entries 1–${doc.to_seq} of org ${seed.org.id}`);
    expect((await verifyCli(file, '--key', keyFile)).code).toBe(0);
    // One JWK works as well as the set.
    await writeFile(keyFile, JSON.stringify(keys.keys[0]));
    expect((await verifyCli(file, '--key', keyFile, '--json')).out).toContain('"ok":true');
  });

  it('exits 1 naming the first entry altered, removed or reordered', async () => {
    const keyFile = join(dir, 'keys-2.json');
    await writeFile(keyFile, JSON.stringify(keys));
    for (const [name, alter, , problem] of ALTERED) {
      const file = join(dir, 'altered.json');
      await writeFile(file, JSON.stringify(alter()));
      const r = await verifyCli(file, '--key', keyFile);
      expect(r.code, name).toBe(1);
      expect(r.err, name).toMatch(problem);
    }
  });

  it('exits 2 on a usage error', async () => {
    expect((await verifyCli()).code).toBe(2);
    expect((await verifyCli(join(dir, 'missing.json'), '--key', join(dir, 'missing-keys.json'))).code).toBe(2);
    const file = join(dir, 'ledger-2.json');
    await writeFile(file, JSON.stringify(doc));
    const noKeys = await verifyCli(file);
    expect(noKeys.code).toBe(2);
    expect(noKeys.err).toContain('--key');
    expect((await AUTOMATION_COMMANDS.audit!.run(['check'], io()))).toBe(2);
  });
});

describe('the chain in the database', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of its links', async () => {
    const code = (p: Promise<unknown>) => p.then(() => 'done', (err: { code?: string }) => err.code);
    expect(await code(server.db.query("UPDATE audit_chain SET hash = repeat('0', 64) WHERE org_id = $1 AND seq = 1", [seed.org.id]))).toBe('42501');
    expect(await code(server.db.query('DELETE FROM audit_chain WHERE org_id = $1', [seed.org.id]))).toBe('42501');
    expect(await code(server.db.query('TRUNCATE audit_chain'))).toBe('42501');
  });
});

describe('the signing key', () => {
  it('is stored sealed, and only its public half is published', async () => {
    const { rows } = await server.db.query<{ private_key: string }>('SELECT private_key FROM audit_signing_keys');
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const r of rows) {
      expect(r.private_key).toMatch(/^gl1:/);
      expect(r.private_key).not.toContain('PRIVATE KEY');
    }
    for (const k of keys.keys) expect(Object.keys(k).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
  });
});

describe('who may export', () => {
  it("another org's admin exports only their own org; an approver is refused", async () => {
    const other = await seedOrg(server.db, 'Elsewhere');
    const theirs = (await (await signedIn(server, other)).http().get('/api/v1/audit-log/ledger').expect(200)).body as AuditLedger;
    expect(theirs.org_id).toBe(other.org.id);
    const ours = new Set(doc.entries.map((e) => e.id));
    expect(theirs.entries.some((e) => ours.has(e.id))).toBe(false);
    expect(verifyLedger(theirs, keys).ok).toBe(true);
    const approver = await signedIn(server, seed, 'approver');
    await approver.http().get('/api/v1/audit-log/ledger').expect(403);
    await server.http(seed.key).get('/api/v1/audit-log/ledger').expect(403);
  });

  it('refuses a range backwards or too long with 400', async () => {
    const res = await admin.http().get('/api/v1/audit-log/ledger?from_seq=3&to_seq=2').expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    await admin.http().get('/api/v1/audit-log/ledger?from_seq=999999').expect(400);
    await admin.http().get('/api/v1/audit-log/ledger?from_seq=0').expect(400);
  });
});
