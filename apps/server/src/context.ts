/**
 * What every handler receives: the app's dependencies, the caller's identity and the parsed request.
 * This module imports no feature, so features, the HTTP layer and the composition root can all
 * depend on it without depending on each other.
 */
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { z, ZodType } from 'zod';
import type { OperationId, RateLimitWindow, RouteDef, Routes, Scope } from '@greenlight/contract';
import type { Config } from './config.ts';
import type { Database } from './storage/database.ts';
import type { RateLimitStore } from './http/rate-limit.ts';
import type { ApiKeyCache } from './http/api-key-cache.ts';
import type { RoutingCache } from './core/routing-cache.ts';
import type { FlowCache } from './core/flow-cache.ts';
import type { PolicyCache } from './core/deciders/policy-cache.ts';
import type { EventBus } from './events/event-bus.ts';
import type { DeliveryWorker } from './delivery/outbox/worker.ts';
import type { RegisteredChannel } from './delivery/outbox/attempt.ts';
import type { Metrics } from './metrics/metrics.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  rateLimit: RateLimitStore;
  /** Wakes long polls and event streams when events commit (one LISTEN per process). */
  bus: EventBus;
  /** API keys already seen, so a request needs no lookup (absent: one query per request). */
  apiKeys?: ApiKeyCache<AuthContext>;
  /** Each org's routing rules, compiled, so a create reads none (absent: one query per create). */
  routing?: RoutingCache;
  /** The current versions of the flows creates name, so a run's create reads none (absent: one query per run). */
  flows?: FlowCache;
  /** Each org's policy set, compiled, so a create neither reads nor parses it (absent: one query and a parse per create). */
  policies?: PolicyCache;
  /**
   * This process's delivery worker (absent with GREENLIGHT_DELIVERY_WORKER=false): a decision makes its
   * callback's first attempt through it, so that attempt counts against the same concurrency and is
   * awaited by the same shutdown.
   */
  delivery?: DeliveryWorker;
  /** The outbox's channels in this process (channels/index.ts, and notify/): the delivery log reads its rows through them. */
  channels: readonly RegisteredChannel[];
  /** Prometheus metrics (absent unless GREENLIGHT_METRICS_TOKEN is set). */
  metrics?: Metrics;
}

/** Who acts: a connection acts as itself, a person as the person. */
export interface Principal {
  type: 'connection' | 'user';
  id: string;
}

/** Who is calling: resolved by http/auth.ts from the request's credential. */
export interface AuthContext {
  org: { id: string; slug: string; name: string; emergency_stop: boolean };
  /** Who acts: a connection acts as itself, a person as the person. */
  principal: { type: 'connection' | 'user'; id: string; name: string | null };
  connection: {
    id: string;
    name: string;
    auth_type: 'api_key' | 'oauth';
    scopes: Scope[];
    rate_limit: number;
    rate_limit_window: RateLimitWindow;
    created_at: Date;
    /** When the credential stops working (API keys); null or absent: never. */
    expires_at?: Date | null;
  } | null;
  /** `see_sensitive`: the member permission to see fields marked sensitive unmasked (absent: not granted). */
  user: { id: string; email: string; name: string | null; role: 'admin' | 'approver' | 'viewer'; see_sensitive?: boolean } | null;
  scopes: Scope[];
  /** The key the rate limiter counts under. */
  rateLimitKey: string;
  rateLimit: number;
  /** The span `rateLimit` counts over. */
  rateLimitWindowSeconds: number;
  /** Set for a dashboard session: the SHA-256 of its token (a password change keeps this session, ends the others). */
  sessionTokenHash?: string;
}

/**
 * The person behind the caller of a route the contract admits sessions only to (the router enforces
 * it before the handler runs): there always is one.
 */
export const personOf = (auth: AuthContext): string => auth.user!.id;

type Out<T> = T extends ZodType ? z.output<T> : Record<string, never>;

export interface HandlerInput<R extends RouteDef> {
  params: Out<R['request']['params']>;
  query: Out<R['request']['query']>;
  body: Out<R['request']['body']>;
  headers: Out<R['request']['headers']>;
  auth: AuthContext;
  /**
   * Set by the router when the route has an ownership rule and the caller is not an admin: the caller
   * may act only on what this principal holds (a single resource is already checked; a list is limited to it).
   */
  ownedBy: Principal | null;
  deps: AppDeps;
  log: Logger;
  requestId: string;
  /**
   * Aborted when the client goes away before the answer is complete (long polls and streams stop
   * waiting). Absent only when a test calls a handler directly.
   */
  signal?: AbortSignal;
  /**
   * Whether the request's credential still stands for the same caller (a session not ended, a key or
   * grant not revoked): a stream asks before it sends more, so it never outlives a sign-out or a
   * revocation. Absent only when a test calls a handler directly.
   */
  stillAuthenticated?: () => Promise<boolean>;
}

/**
 * A streamed answer (`contentType: 'text/event-stream'` in the contract): the router has run every
 * check; `stream` writes the status, headers and body itself and resolves when the response has ended.
 */
export type StreamWriter = (res: Response) => Promise<void>;

type ResultFor<S extends number, D> = D extends { contentType: string }
  ? { status: S; stream: StreamWriter }
  : D extends { schema: ZodType }
    ? { status: S; body: z.input<D['schema']> }
    : never;

export type HandlerResult<R extends RouteDef> = {
  [S in keyof R['responses'] & number]: ResultFor<S, R['responses'][S]>;
}[keyof R['responses'] & number];

export type Handler<R extends RouteDef> = (input: HandlerInput<R>) => Promise<HandlerResult<R>>;
export type Handlers = { [K in OperationId]: Handler<Routes[K]> };
