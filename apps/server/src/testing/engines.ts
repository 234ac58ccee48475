/**
 * Local HTTP servers standing in for the durable engines (GREENLIGHT_TRIGGER_DEV_API_URL,
 * GREENLIGHT_STEP_FUNCTIONS_ENDPOINT, GREENLIGHT_INNGEST_EVENT_API_URL point Greenlight at them), each
 * authenticating a call as the engine does and answering as it documents:
 *
 * - Trigger.dev: `POST /api/v1/waitpoints/tokens/{waitpointId}/complete`, `Authorization: Bearer <secret
 *   key>` (the project's), body `{data}` → 200 `{success: true}`; an unknown token 404; a token already
 *   completed answers success again (documented as a no-op) and is recorded, so a test sees any repeat.
 * - AWS Step Functions: `POST /` with `X-Amz-Target: AWSStepFunctions.SendTaskSuccess | SendTaskFailure`,
 *   `Content-Type: application/x-amz-json-1.0`, SigV4-signed. The signature is recomputed here with
 *   `@smithy/signature-v4` (the SDK's own signer, an independent path from the client's middleware
 *   stack: it is given only the bytes received) from the known secret key, the credential scope must
 *   name the configured region and service `states`, X-Amz-Date must be within 15 minutes and a sent
 *   X-Amz-Content-Sha256 must be the body's hash, as AWS checks; anything else is 403 `InvalidSignatureException` / `UnrecognizedClientException`. A task
 *   token must be one the stand-in issued and not yet answered (else 400 `TaskDoesNotExist`).
 * - Inngest: `POST /e/{event key}` with an event or an array of events → 200 `{ids, status: 200}`; an
 *   unknown key 401.
 *
 * Each records every call, can fail the next calls with a status, or be down (every call 503).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { listenOnLoopback } from './loopback.ts';
import { untilSeen } from './until-seen.ts';

export interface EngineCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** Whom the call authenticated as (the key or access key id), or null when refused. */
  as: string | null;
  status: number;
  /** What the engine took the call to be: `complete`, `SendTaskSuccess`, `SendTaskFailure`, `event`; null when refused. */
  action: string | null;
}

export interface EngineStandIn {
  url: string;
  calls: EngineCall[];
  /** The calls the engine accepted (2xx). */
  accepted(where?: (c: EngineCall) => boolean): EngineCall[];
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** The next `times` calls answer `status` with the engine's error body. */
  fail(status: number, times?: number): void;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string>; as?: string | null; action?: string | null };
type Handle = (req: IncomingMessage, path: string, raw: string, body: unknown) => Answer | Promise<Answer>;

async function standIn(name: string, handle: Handle, errorBody: (status: number) => unknown, contentType = 'application/json'): Promise<EngineStandIn> {
  const calls: EngineCall[] = [];
  const waiters = new Set<() => void>();
  const failures: { status: number; times: number }[] = [];
  let down = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = (req.url ?? '').split('?')[0]!;
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = null;
      }
      const failure = failures.find((f) => f.times > 0);
      let a: Answer;
      if (down) a = { status: 503, body: errorBody(503) };
      else if (failure) {
        failure.times -= 1;
        a = { status: failure.status, body: errorBody(failure.status) };
      } else a = await handle(req, path, raw, body);
      calls.push({ method: req.method ?? '', path, headers: req.headers, body, as: a.as ?? null, status: a.status, action: a.action ?? null });
      res.writeHead(a.status, { ...(a.body === undefined ? {} : { 'content-type': contentType }), ...a.headers });
      res.end(a.body === undefined ? undefined : JSON.stringify(a.body));
      for (const w of waiters) w();
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    calls,
    accepted: (where) => calls.filter((c) => c.status >= 200 && c.status < 300 && (!where || where(c))),
    until: (predicate, timeoutMs = 15_000) => untilSeen(waiters, predicate, timeoutMs, `the ${name} stand-in`),
    fail: (status, times = 1) => failures.push({ status, times }),
    setDown: (d) => {
      down = d;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

// ——— Trigger.dev ————————————————————————————————————————————————————————————————————————————————

export interface TriggerDevStandIn extends EngineStandIn {
  secretKey: string;
  /** A new waitpoint token, as `wait.createToken()` gives its id. */
  createToken(): string;
}

export async function startTriggerDev(secretKey = `tr_prod_${randomBytes(12).toString('hex')}`): Promise<TriggerDevStandIn> {
  const tokens = new Map<string, 'WAITING' | 'COMPLETED'>();
  const s = await standIn(
    'Trigger.dev',
    (req, path, _raw, body) => {
      const m = /^\/api\/v1\/waitpoints\/tokens\/([^/]+)\/complete$/.exec(path);
      if (req.method !== 'POST' || !m) return { status: 404, body: { error: 'Not found' } };
      const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
      if (!auth || !sameSecret(auth[1]!, secretKey)) return { status: 401, body: { error: 'Invalid API Key' } };
      const id = decodeURIComponent(m[1]!);
      if (!tokens.has(id)) return { status: 404, body: { error: 'Waitpoint not found' }, as: secretKey };
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, body: { error: 'Invalid body' }, as: secretKey };
      tokens.set(id, 'COMPLETED');
      return { status: 200, body: { success: true }, as: secretKey, action: 'complete' };
    },
    (status) => ({ error: `stand-in failure ${status}` }),
  );
  return {
    ...s,
    secretKey,
    createToken: () => {
      const id = `waitpoint_${randomBytes(12).toString('hex')}`;
      tokens.set(id, 'WAITING');
      return id;
    },
  };
}

// ——— AWS Step Functions ————————————————————————————————————————————————————————————————————————

/** The hash @smithy/signature-v4 asks for (SHA-256, or HMAC-SHA256 with a key), from node:crypto. */
class NodeSha256 {
  private readonly h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {}
}

function toBuffer(d: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

export interface StepFunctionsStandIn extends EngineStandIn {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A new task token, as a `.waitForTaskToken` state gives `$$.Task.Token`. */
  createTaskToken(): string;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/([0-9]{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Whether the request carries a valid SigV4 signature by `creds` for `states` in `region`: the signature recomputed, never trusted. */
async function sigV4Refusal(req: IncomingMessage, path: string, raw: string, creds: { accessKeyId: string; secretAccessKey: string; region: string }): Promise<string | null> {
  const m = AUTH.exec(req.headers.authorization ?? '');
  if (!m) return 'MissingAuthenticationTokenException';
  const [, keyId, date, region, service, signedHeaders] = m as unknown as [string, string, string, string, string, string, string];
  if (keyId !== creds.accessKeyId) return 'UnrecognizedClientException';
  if (region !== creds.region || service !== 'states') return 'InvalidSignatureException';
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const at = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!at || amzDate.slice(0, 8) !== date) return 'InvalidSignatureException';
  const signingDate = new Date(Date.UTC(+at[1]!, +at[2]! - 1, +at[3]!, +at[4]!, +at[5]!, +at[6]!));
  if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) return 'InvalidSignatureException';
  // The signer takes a sent x-amz-content-sha256 as the payload's hash, as AWS does after checking it: check it here too.
  const contentSha = req.headers['x-amz-content-sha256'];
  if (contentSha !== undefined && contentSha !== createHash('sha256').update(raw, 'utf8').digest('hex')) return 'InvalidSignatureException';
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date') || (contentSha !== undefined && !names.includes('x-amz-content-sha256'))) return 'InvalidSignatureException';
  const headers: Record<string, string> = {};
  for (const n of names) {
    const v = req.headers[n];
    if (v === undefined) return 'InvalidSignatureException';
    headers[n] = Array.isArray(v) ? v.join(',') : v;
  }
  const [hostname, port] = (headers.host ?? '').split(':');
  const signer = new SignatureV4({ credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }, region: creds.region, service: 'states', sha256: NodeSha256 });
  const signed = await signer.sign(
    { method: req.method ?? 'POST', protocol: 'http:', hostname: hostname!, ...(port ? { port: Number(port) } : {}), path, query: {}, headers, body: raw },
    { signingDate },
  );
  const expected = String(signed.headers.authorization ?? signed.headers.Authorization ?? '');
  return sameSecret(expected, req.headers.authorization ?? '') ? null : 'InvalidSignatureException';
}

export async function startStepFunctions(region = 'eu-west-1'): Promise<StepFunctionsStandIn> {
  const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64').replace(/[+/=]/g, 'x');
  const tasks = new Map<string, 'waiting' | 'answered'>();
  const s = await standIn(
    'AWS Step Functions',
    async (req, path, raw, body) => {
      const refusal = await sigV4Refusal(req, path, raw, { accessKeyId, secretAccessKey, region });
      if (refusal !== null) return { status: refusal === 'InvalidSignatureException' ? 403 : 400, body: { __type: refusal, message: 'The request signature we calculated does not match the signature you provided' } };
      if (req.method !== 'POST' || path !== '/') return { status: 404, body: { __type: 'UnknownOperationException' }, as: accessKeyId };
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target === 'AWSStepFunctions.SendTaskSuccess' ? 'SendTaskSuccess' : target === 'AWSStepFunctions.SendTaskFailure' ? 'SendTaskFailure' : null;
      if (!action) return { status: 400, body: { __type: 'UnknownOperationException' }, as: accessKeyId };
      if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.0')) return { status: 400, body: { __type: 'SerializationException' }, as: accessKeyId };
      const b = (body ?? {}) as { taskToken?: unknown; output?: unknown };
      const token = typeof b.taskToken === 'string' ? b.taskToken : '';
      if (tasks.get(token) !== 'waiting') return { status: 400, body: { __type: 'TaskDoesNotExist', message: 'Task does not exist anymore' }, as: accessKeyId };
      if (action === 'SendTaskSuccess') {
        try {
          JSON.parse(String(b.output));
        } catch {
          return { status: 400, body: { __type: 'InvalidOutput', message: 'Invalid output' }, as: accessKeyId };
        }
      }
      tasks.set(token, 'answered');
      return { status: 200, body: {}, as: accessKeyId, action };
    },
    (status) => ({ __type: status === 429 ? 'ThrottlingException' : 'InternalServerError', message: `stand-in failure ${status}` }),
    'application/x-amz-json-1.0',
  );
  return {
    ...s,
    region,
    accessKeyId,
    secretAccessKey,
    createTaskToken: () => {
      const token = `AQB${randomBytes(90).toString('base64url')}`;
      tasks.set(token, 'waiting');
      return token;
    },
  };
}

// ——— Inngest ——————————————————————————————————————————————————————————————————————————————————

export interface InngestStandIn extends EngineStandIn {
  eventKey: string;
  /** The events Inngest accepted, in order, each once per call. */
  events(): { name: string; id?: string; data: Record<string, unknown> }[];
}

export async function startInngest(eventKey = randomBytes(24).toString('base64url')): Promise<InngestStandIn> {
  const s = await standIn(
    'Inngest',
    (req, path, _raw, body) => {
      const m = /^\/e\/([^/]+)$/.exec(path);
      if (req.method !== 'POST' || !m) return { status: 404, body: { error: 'Not found', status: 404 } };
      if (!sameSecret(decodeURIComponent(m[1]!), eventKey)) return { status: 401, body: { error: 'Event key not found', status: 401 } };
      const events = Array.isArray(body) ? body : [body];
      if (events.some((e) => typeof e !== 'object' || e === null || typeof (e as { name?: unknown }).name !== 'string')) {
        return { status: 400, body: { error: 'Event name is required', status: 400 }, as: 'event-key' };
      }
      return { status: 200, body: { ids: events.map(() => randomBytes(13).toString('hex')), status: 200 }, as: 'event-key', action: 'event' };
    },
    (status) => ({ error: `stand-in failure ${status}`, status }),
  );
  return {
    ...s,
    eventKey,
    events: () => s.accepted().flatMap((c) => (Array.isArray(c.body) ? c.body : [c.body]) as { name: string; id?: string; data: Record<string, unknown> }[]),
  };
}
