import { AUDIT_KEYS_PATH, verifyLedger, type AuditKeySet } from '../../audit-ledger.ts';
import type { CliIo } from '../io.ts';
import type { CliCommand } from '../registry.ts';
import { parse, UsageError } from '../support.ts';

/** Exit codes of `greenlight audit verify`, an auditor's tool: not those of the request commands. */
export const AUDIT_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const USAGE = `Usage: greenlight audit verify FILE [--key URL-or-file] [--json]

Checks an export of the org audit ledger (GET /api/v1/audit-log/ledger, the dashboard's download)
offline: every entry's hash (audit entries and decisions on requests), the chain with no entry missing
or moved, and the Ed25519 signature over the org, the range and its end hashes. The export names the
key that signed it (signature.kid); --key says which keys you trust.

  --key URL-or-file   the trusted public keys: a JWK set (the server's ${AUDIT_KEYS_PATH},
                      saved or fetched) or one JWK. Default: GREENLIGHT_URL's ${AUDIT_KEYS_PATH}.
  --json              the result as JSON

Exit 0 when the export verifies; 1 when it does not, naming the first entry altered, removed or
reordered; 2 on a usage error (no file, unreadable file or keys).
`;

async function readKeys(io: CliIo, source: string): Promise<AuditKeySet> {
  let text: string;
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { redirect: 'error', signal: AbortSignal.timeout(30_000) }).catch((err: unknown) => {
      throw new UsageError(`cannot fetch the keys from ${source}: ${(err as Error).message}`);
    });
    if (!res.ok) throw new UsageError(`cannot fetch the keys from ${source}: HTTP ${res.status}`);
    text = await res.text();
  } else {
    text = await io.readFile(source).catch((err: unknown) => {
      throw new UsageError(`cannot read the keys file ${source}: ${(err as Error).message}`);
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${source} is not JSON (a JWK set or one JWK)`);
  }
  if (typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { keys?: unknown }).keys)) return parsed as AuditKeySet;
  if (typeof parsed === 'object' && parsed !== null && 'kty' in parsed) return { keys: [parsed as AuditKeySet['keys'][number]] };
  throw new UsageError(`${source} is neither a JWK set ({"keys": […]}) nor a JWK`);
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const json = args.includes('--json');
  try {
    const { values, positionals } = parse(args, { key: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
    if (values.help) {
      io.stdout(USAGE);
      return AUDIT_EXIT.ok;
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE' : `unexpected argument "${positionals[1]}"`);
    const file = positionals[0]!;
    const base = io.env.GREENLIGHT_URL?.replace(/\/+$/, '');
    const keySource = values.key ?? (base ? base + AUDIT_KEYS_PATH : undefined);
    if (keySource === undefined) throw new UsageError('say which keys to trust: --key URL-or-file (or set GREENLIGHT_URL)');
    const text = await io.readFile(file).catch((err: unknown) => {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    });
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined;
    }
    const result = verifyLedger(doc, await readKeys(io, keySource));
    if (json) io.stdout(`${JSON.stringify(result)}\n`);
    else if (result.ok) io.stdout(`verified: entries ${result.from_seq}–${result.to_seq} of org ${result.org_id} (${result.entries} entries), signed by key ${result.kid}\n`);
    else io.stderr(`verification failed: ${result.problem}\n`);
    return result.ok ? AUDIT_EXIT.ok : AUDIT_EXIT.failed;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (json) io.stdout(`${JSON.stringify({ ok: false, usage_error: err.message })}\n`);
    else io.stderr(`error: ${err.message}\n\n${USAGE}`);
    return AUDIT_EXIT.usage;
  }
}

export const auditCommand: CliCommand = {
  summary: 'verify an audit ledger export offline (audit verify FILE)',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'verify') return verify(rest, io);
    if (sub === '--help' || sub === '-h' || sub === 'help') {
      io.stdout(USAGE);
      return AUDIT_EXIT.ok;
    }
    io.stderr(`error: ${sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`} (audit verify FILE)\n\n${USAGE}`);
    return AUDIT_EXIT.usage;
  },
};
