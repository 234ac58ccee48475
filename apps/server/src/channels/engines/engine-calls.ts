/**
 * The one call that resumes each engine, as the engine documents it, and what its answer means to the
 * outbox (an ApiAnswer: delivered, worth a retry, or refused for good).
 *
 * - Trigger.dev: `POST {api}/api/v1/waitpoints/tokens/{waitpointId}/complete` with `{data}`, bearer the
 *   project's secret API key. Completing a completed token is a no-op that answers success, so a retry
 *   after a lost answer resumes nothing twice.
 * - AWS Step Functions: `SendTaskSuccess` / `SendTaskFailure` through `@aws-sdk/client-sfn` (SigV4 signed
 *   with the org's access key). The SDK's own retries are off (`maxAttempts: 1`): the outbox retries, so
 *   each attempt is one call in the delivery log. A token already used, timed out or unknown
 *   (`TaskDoesNotExist`, `TaskTimedOut`, `InvalidToken`) is final.
 * - Inngest: `POST {event api}/e/{event key}` with one event whose `id` is fixed per request: Inngest
 *   ignores a second event with the same id (24 h), so a retry after a lost answer is not a second event.
 */
import type { Config } from '../../config.ts';
import type { ApiAnswer } from '../../delivery/outbox/channel.ts';
import { retryAfterMs } from '../../delivery/outbox/schedule.ts';

export type EngineUrls = 'GREENLIGHT_TRIGGER_DEV_API_URL' | 'GREENLIGHT_INNGEST_EVENT_API_URL' | 'GREENLIGHT_STEP_FUNCTIONS_ENDPOINT';
export type EngineConnection = Pick<Config, EngineUrls> & { timeoutMs: number };

export type EngineAnswer = ApiAnswer<null>;

/** An answer is read up to this much: it only says whether the call went through (SECURITY.md §32). */
const ANSWER_MAX_BYTES = 64 * 1024;

const trimSlash = (s: string): string => s.replace(/\/+$/, '');

async function readLimited(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > ANSWER_MAX_BYTES) {
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** 408, 425, 429 and 5xx are worth a retry, as is 401/403 (a key an admin may still fix); any other status is final. */
const retryable = (status: number): boolean => status === 401 || status === 403 || status === 408 || status === 425 || status === 429 || status >= 500;

/** One HTTP call of an engine's API, bounded by the delivery timeout, redirects not followed. */
async function post(engine: string, url: string, headers: Record<string, string>, body: unknown, timeoutMs: number): Promise<EngineAnswer> {
  const startedAt = new Date();
  const done = (r: Omit<EngineAnswer, 'startedAt' | 'durationMs' | 'value'>): EngineAnswer => ({ startedAt, durationMs: Date.now() - startedAt.getTime(), value: null, ...r });
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Greenlight', ...headers },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await readLimited(res);
    if (res.status >= 200 && res.status < 300) return done({ statusCode: res.status, error: null, permanent: false, retryAfterMs: null });
    return done({
      statusCode: res.status,
      error: `${engine}: ${res.status} ${text.slice(0, 300)}`.trim().slice(0, 500),
      permanent: !retryable(res.status),
      retryAfterMs: retryAfterMs(res.headers.get('retry-after') ?? undefined),
    });
  } catch (err) {
    return done({ statusCode: null, error: `${engine}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500), permanent: false, retryAfterMs: null });
  }
}

export function completeWaitpoint(conn: EngineConnection, secretKey: string, waitpointId: string, data: unknown): Promise<EngineAnswer> {
  const url = `${trimSlash(conn.GREENLIGHT_TRIGGER_DEV_API_URL)}/api/v1/waitpoints/tokens/${encodeURIComponent(waitpointId)}/complete`;
  return post('trigger.dev', url, { authorization: `Bearer ${secretKey}` }, { data }, conn.timeoutMs);
}

export interface InngestEvent {
  name: string;
  id: string;
  data: Record<string, unknown>;
  ts: number;
}

export function sendInngestEvent(conn: EngineConnection, eventKey: string, event: InngestEvent): Promise<EngineAnswer> {
  const url = `${trimSlash(conn.GREENLIGHT_INNGEST_EVENT_API_URL)}/e/${encodeURIComponent(eventKey)}`;
  return post('inngest', url, {}, [event], conn.timeoutMs);
}

export interface AwsCredentials {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export type TaskAnswer = { success: { output: string } } | { failure: { error: string; cause: string } };

/** Step Functions errors that no retry of the same call can fix: the token is used, timed out, unknown, or the output refused. */
const FINAL_SFN_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken', 'InvalidOutput', 'ValidationException']);

export async function answerTask(conn: EngineConnection, creds: AwsCredentials, taskToken: string, answer: TaskAnswer): Promise<EngineAnswer> {
  const startedAt = new Date();
  const done = (r: Omit<EngineAnswer, 'startedAt' | 'durationMs' | 'value'>): EngineAnswer => ({ startedAt, durationMs: Date.now() - startedAt.getTime(), value: null, ...r });
  // Loaded at the first call: the AWS SDK holds about 20 MB that a server without Step Functions never needs.
  const { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } = await import('@aws-sdk/client-sfn');
  const client = new SFNClient({
    region: creds.region,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    maxAttempts: 1,
    ...(conn.GREENLIGHT_STEP_FUNCTIONS_ENDPOINT === undefined ? {} : { endpoint: conn.GREENLIGHT_STEP_FUNCTIONS_ENDPOINT }),
  });
  try {
    const options = { abortSignal: AbortSignal.timeout(conn.timeoutMs) };
    const res =
      'success' in answer
        ? await client.send(new SendTaskSuccessCommand({ taskToken, output: answer.success.output }), options)
        : await client.send(new SendTaskFailureCommand({ taskToken, error: answer.failure.error, cause: answer.failure.cause }), options);
    return done({ statusCode: res.$metadata.httpStatusCode ?? 200, error: null, permanent: false, retryAfterMs: null });
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ?? null;
    const name = e.name ?? 'Error';
    const permanent = FINAL_SFN_ERRORS.has(name) || (status !== null && !retryable(status) && name !== 'ThrottlingException');
    return done({ statusCode: status, error: `step-functions: ${name}: ${e.message ?? ''}`.slice(0, 500), permanent, retryAfterMs: null });
  } finally {
    client.destroy();
  }
}
