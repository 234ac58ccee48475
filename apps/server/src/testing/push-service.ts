/**
 * A local HTTP server standing in for a browser vendor's push service (RFC 8030), and the devices
 * subscribed to it. Each device is a P-256 key pair and a 16-byte auth secret made here, as a browser
 * makes them; its subscription's endpoint is `<url>/push/<device>`.
 *
 * Every message POSTed is checked as a push service and then the device check it:
 * - the VAPID token (RFC 8292): `Authorization: vapid t=<JWT>, k=<public key>`; the JWT is ES256 over
 *   that key, its `aud` the endpoint's origin, `exp` in the future and at most 24 h away, `sub` a
 *   mailto: or https: URL; the key must be the application server key the device subscribed with.
 *   A message failing the check is answered 401 (as FCM and Mozilla's autopush answer a bad token).
 * - the payload (RFC 8291, `Content-Encoding: aes128gcm`, RFC 8188 framing) is decrypted with the
 *   device's private key and auth secret — written out here, independently of web-push, with
 *   node:crypto's ECDH and HKDF, so a test checks the server against the RFC rather than against the
 *   library that produced it.
 * Answers: 201 Created, or what a test told a device to answer (410 Gone for an expired subscription).
 */
import { createECDH, createDecipheriv, createPublicKey, hkdfSync, randomBytes, randomUUID, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from './loopback.ts';
import { untilSeen } from './until-seen.ts';

export interface PushDevice {
  id: string;
  /** As PushSubscription.toJSON() gives it: what the dashboard posts to /me/webpush/subscriptions. */
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  /** The status the push service answers for this device (201 unless told otherwise). */
  answer: number;
}

export interface PushCall {
  deviceId: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The decrypted payload, parsed as JSON; null when it could not be decrypted or read. */
  payload: Record<string, unknown> | null;
  /** Why the stand-in refused the message or could not read it. */
  error: string | null;
  /** The VAPID token's claims, when it verified. */
  claims: { aud: string; exp: number; sub: string } | null;
}

export interface TestPushService {
  url: string;
  calls: PushCall[];
  /** A new browser subscribed with `applicationServerKey` (the server's VAPID public key). */
  device(applicationServerKey: string): PushDevice;
  /** Messages delivered to a device (answered 2xx and decrypted). */
  received(deviceId: string): Record<string, unknown>[];
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const b64u = (b: Buffer | Uint8Array): string => Buffer.from(b).toString('base64url');

/** A JWK for an uncompressed P-256 point (0x04 ‖ x ‖ y). */
const p256Jwk = (point: Buffer) => ({ kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) });

/** RFC 8292 §2 and §3: the token and key of `Authorization: vapid t=…, k=…`; throws with the reason. */
export function verifyVapid(authorization: string | undefined, expectedKey: string, endpoint: string): { aud: string; exp: number; sub: string } {
  const m = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) throw new Error('no vapid authorization');
  const [, jwt, k] = m as unknown as [string, string, string];
  if (k !== expectedKey) throw new Error('the key is not the one the device subscribed with');
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string; typ?: string };
  if (header.alg !== 'ES256') throw new Error(`alg ${header.alg}`);
  const key = createPublicKey({ key: p256Jwk(Buffer.from(k, 'base64url')), format: 'jwk' });
  // JWS ES256 signatures are r ‖ s (RFC 7518 §3.4), not DER.
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('bad signature');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { aud: string; exp: number; sub: string };
  if (claims.aud !== new URL(endpoint).origin) throw new Error(`aud ${claims.aud}`);
  const now = Math.floor(Date.now() / 1000);
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error(`exp ${claims.exp}`);
  if (!/^(mailto:|https:)/.test(claims.sub)) throw new Error(`sub ${claims.sub}`);
  return claims;
}

/**
 * RFC 8291 §3.3–§3.4 and RFC 8188 §2: one aes128gcm record, as a user agent decrypts it.
 *   header = salt (16) ‖ rs (4) ‖ idlen (1) ‖ keyid (as_public, 65)
 *   ecdh_secret = ECDH(ua_private, as_public)
 *   IKM   = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" ‖ 0x00 ‖ ua_public ‖ as_public, 32)
 *   CEK   = HKDF(salt, IKM, "Content-Encoding: aes128gcm" ‖ 0x00, 16)
 *   NONCE = HKDF(salt, IKM, "Content-Encoding: nonce" ‖ 0x00, 12)
 *   plaintext ‖ 0x02 ‖ zero padding = AES-128-GCM-decrypt(CEK, NONCE, record)   (0x02: the last record)
 */
export function decryptAes128gcm(body: Buffer, ua: ECDH, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  if (idlen !== 65) throw new Error(`keyid of ${idlen} bytes, not a P-256 point`);
  const record = body.subarray(21 + idlen);
  if (record.length > rs) throw new Error('more than one record');
  const uaPublic = ua.getPublicKey();
  const ecdhSecret = ua.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

export async function startPushService(): Promise<TestPushService> {
  const calls: PushCall[] = [];
  const waiters = new Set<() => void>();
  const devices = new Map<string, PushDevice & { ecdh: ECDH; auth: Buffer; serverKey: string }>();
  let base = '';

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = /^\/push\/([A-Za-z0-9-]+)$/.exec(req.url ?? '')?.[1] ?? '';
      const device = devices.get(id);
      const finish = (status: number, call: Omit<PushCall, 'deviceId' | 'status' | 'headers'>) => {
        calls.push({ deviceId: id, status, headers: req.headers, ...call });
        res.writeHead(status, status === 201 ? { location: `${base}/message/${randomUUID()}` } : { 'content-type': 'text/plain' });
        res.end(status === 201 ? '' : `status ${status}`);
        for (const w of waiters) w();
      };
      if (req.method !== 'POST' || !device) return finish(404, { payload: null, error: 'no such subscription', claims: null });
      let claims;
      try {
        claims = verifyVapid(req.headers.authorization, device.serverKey, device.subscription.endpoint);
      } catch (err) {
        return finish(401, { payload: null, error: `VAPID: ${(err as Error).message}`, claims: null });
      }
      if (req.headers['content-encoding'] !== 'aes128gcm' || !req.headers.ttl) return finish(400, { payload: null, error: 'not aes128gcm, or no TTL', claims });
      if (device.answer < 200 || device.answer >= 300) return finish(device.answer, { payload: null, error: null, claims });
      try {
        const plain = decryptAes128gcm(Buffer.concat(chunks), device.ecdh, device.auth);
        finish(201, { payload: JSON.parse(plain.toString('utf8')) as Record<string, unknown>, error: null, claims });
      } catch (err) {
        finish(400, { payload: null, error: `decrypt: ${(err as Error).message}`, claims });
      }
    });
  });
  base = await listenOnLoopback(server);
  return {
    url: base,
    calls,
    device(applicationServerKey) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const id = randomUUID();
      const d = { id, subscription: { endpoint: `${base}/push/${id}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } }, answer: 201, ecdh, auth, serverKey: applicationServerKey };
      devices.set(id, d);
      return d;
    },
    received: (deviceId) => calls.filter((c) => c.deviceId === deviceId && c.status === 201 && c.payload).map((c) => c.payload!),
    until: (predicate, timeoutMs = 15_000) => untilSeen(waiters, predicate, timeoutMs, 'the push service stand-in'),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
