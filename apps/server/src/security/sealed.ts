/**
 * Secrets at rest: AES-256-GCM (NIST SP 800-38D) with a fresh 96-bit nonce per value and the key's id
 * stored beside each value, so the key can rotate. The one AES-GCM implementation of the server: the
 * refresh-token successor (modules/oauth/model.ts) uses sealWith/openWith with a key of its own.
 *
 * What it covers: a copy of the database (a backup, a replica, a leaked dump) without the key file or
 * GREENLIGHT_SECRET_KEY holds no usable signing secret or callback header. What it does not: anyone
 * who can read the process's environment or the data directory's key file reads everything.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'gl1:';
/** Opened signing secrets kept (`openKept`): one per org with recent deliveries, and its previous one. */
const KEPT_OPENED = 1000;

/** Seals `plaintext` under a 32-byte key: base64url of nonce (12) ‖ tag (16) ‖ ciphertext. */
export function sealWith(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens what sealWith made; throws when the key is wrong or the value was altered. */
export function openWith(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

const keyId = (key: Buffer) => createHash('sha256').update('greenlight secret key id').update(key).digest('hex').slice(0, 8);

/** A 32-byte key written as 64 hex characters or base64 (with or without padding). */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error('a secret key is 32 bytes, written as 64 hex characters or base64');
  return key;
}

/**
 * The keys secrets are sealed with: the current one seals, it and the previous ones open. A value
 * stored before encryption (no prefix) is read as it is, until re-encryption seals it.
 */
export class SecretKeys {
  readonly #current: { id: string; key: Buffer };
  readonly #all = new Map<string, Buffer>();
  readonly #kept = new Map<string, string>();

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.#current = { id: keyId(current), key: current };
    for (const k of [current, ...previous]) this.#all.set(keyId(k), k);
  }

  seal(plaintext: string): string {
    return `${PREFIX}${this.#current.id}:${sealWith(this.#current.key, plaintext)}`;
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [id, sealed] = stored.slice(PREFIX.length).split(':', 2) as [string, string | undefined];
    const key = this.#all.get(id);
    if (!key || sealed === undefined) throw new Error(`a secret was sealed with key ${id}, which is not configured (GREENLIGHT_SECRET_KEY, GREENLIGHT_SECRET_KEY_PREVIOUS)`);
    return openWith(key, sealed);
  }

  /**
   * `open`, for the signing secrets every delivery opens (a decision's callback is signed on its way
   * out, right after its statement): the values opened last are kept by their sealed text, so a
   * delivery does not pay an AES-GCM pass, cold at 0.05–0.1 ms here, each time. A sealed text is
   * immutable (a rotation stores a new one), so what is kept never goes stale; at most KEPT_OPENED are
   * kept, in this process's memory only, never at rest.
   */
  openKept(stored: string): string {
    const kept = this.#kept.get(stored);
    if (kept !== undefined) return kept;
    const opened = this.open(stored);
    if (this.#kept.size >= KEPT_OPENED) this.#kept.delete(this.#kept.keys().next().value!);
    this.#kept.set(stored, opened);
    return opened;
  }

  /** How every value sealed with the current key starts (nothing to re-encrypt). */
  get currentPrefix(): string {
    return `${PREFIX}${this.#current.id}:`;
  }
}

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The keys from the settings, or, without GREENLIGHT_SECRET_KEY, from `<data dir>/secret.key`, made
 * (32 random bytes, mode 0600) on the first start. Several replicas must share one key: set it.
 */
export function loadSecretKeys(config: { GREENLIGHT_SECRET_KEY?: string | undefined; GREENLIGHT_SECRET_KEY_PREVIOUS?: string | undefined; GREENLIGHT_DATA_DIR: string }): SecretKeys {
  const previous = (config.GREENLIGHT_SECRET_KEY_PREVIOUS ?? '')
    .split(',')
    .filter((k) => k.trim())
    .map(parseKey);
  if (config.GREENLIGHT_SECRET_KEY) return new SecretKeys(parseKey(config.GREENLIGHT_SECRET_KEY), previous);
  const file = join(config.GREENLIGHT_DATA_DIR, SECRET_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(config.GREENLIGHT_DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return new SecretKeys(parseKey(readFileSync(file, 'utf8')), previous);
}

let installed: SecretKeys | null = null;

/** Installs the process's keys (at start-up, before anything reads or writes a secret). */
export function installSecretKeys(keys: SecretKeys): void {
  installed = keys;
}

/** The process's keys; start-up installs them before serving. */
export function secretKeys(): SecretKeys {
  if (!installed) throw new Error('secret keys are not installed (installSecretKeys at start-up)');
  return installed;
}
