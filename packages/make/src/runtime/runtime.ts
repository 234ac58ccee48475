/**
 * A stand-in for Make's scenario runtime, driving the app's files (read from disk through
 * makecomapp.json, exactly what would be deployed) against a real Greenlight server:
 * connections (API key; OAuth 2.0 authorize → token → info, refresh when the access token is
 * due), modules, RPCs, webhooks (attach, incoming deliveries, detach) and polling triggers with
 * Make's documented cursor (see `poll`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_DIR } from '../app/write.ts';
import { execute, type ExecResult, type Item, type LogEntry } from './request.ts';
import { evaluate, truthy } from '../iml/evaluate.ts';

type Obj = Record<string, unknown>;

interface ComponentMeta {
  label: string;
  connectionType?: 'oauth' | 'basic';
  moduleType?: string;
  webhook?: string | null;
  codeFiles: Record<string, string | null>;
}

export interface LoadedComponent {
  id: string;
  meta: ComponentMeta;
  codes: Record<string, unknown>;
}

export interface LoadedApp {
  dir: string;
  makecomapp: Obj;
  base: Obj;
  groups: { label: string; modules: string[] }[];
  connections: Record<string, LoadedComponent>;
  webhooks: Record<string, LoadedComponent>;
  modules: Record<string, LoadedComponent>;
  rpcs: Record<string, LoadedComponent>;
}

export function loadApp(dir = PACKAGE_DIR): LoadedApp {
  const read = (p: string) => JSON.parse(readFileSync(join(dir, p), 'utf8')) as unknown;
  const makecomapp = read('makecomapp.json') as Obj;
  const general = makecomapp.generalCodeFiles as Record<string, string>;
  const components = makecomapp.components as Record<string, Record<string, ComponentMeta>>;
  const load = (type: string) =>
    Object.fromEntries(
      Object.entries(components[type] ?? {}).map(([id, meta]) => [
        id,
        { id, meta, codes: Object.fromEntries(Object.entries(meta.codeFiles).map(([k, p]) => [k, p ? read(p) : undefined])) },
      ]),
    );
  return {
    dir,
    makecomapp,
    base: read(general.base!) as Obj,
    groups: read(general.groups!) as LoadedApp['groups'],
    connections: load('connection'),
    webhooks: load('webhook'),
    modules: load('module'),
    rpcs: load('rpc'),
  };
}

/** A connection as Make keeps it: the user's parameters, and the data its communication stored. */
export interface MakeConnection {
  id: string;
  type: 'oauth' | 'basic';
  params: Obj;
  data: Obj;
  uid?: unknown;
  metadata?: unknown;
  /** When the whole connection (the refresh token) expires. */
  expires?: unknown;
}

export interface MakeWebhook {
  id: string;
  url: string;
  params: Obj;
  /** What `attach` stored (`externalHookId`). */
  data: Obj;
}

/** Make's polling cursor: the (date, id) of the last processed item. */
export type TriggerState = { date: string; id: string } | null;

export type EpochChoice = { kind: 'all' } | { kind: 'now' } | { kind: 'since'; date: string } | { kind: 'item'; date: string; id: string };

/** What Make's OAuth callback page passes on (`oauth.*`): its fixed redirect URI and the chosen scopes. */
export interface OAuthEnv {
  localRedirectUri: string;
  scope?: string[];
}

export class MakeRuntime {
  readonly log: LogEntry[] = [];
  constructor(
    readonly app: LoadedApp = loadApp(),
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private scope(extra: Obj): Obj {
    return { now: this.clock(), common: {}, temp: {}, ...extra };
  }

  /** What modules see as `connection`: its parameters and its data. */
  connectionVars(c: MakeConnection): Obj {
    return { ...c.params, ...c.data };
  }

  private component(kind: 'connections' | 'webhooks' | 'modules' | 'rpcs', id: string): LoadedComponent {
    const c = this.app[kind][id];
    if (!c) throw new Error(`no ${kind.slice(0, -1)} ${id} in the app`);
    return c;
  }

  // --- connections --------------------------------------------------------------------------

  /** A basic connection: its communication verifies the parameters and names the account. */
  async connectBasic(id: string, params: Obj): Promise<MakeConnection> {
    const c = this.component('connections', id);
    const r = await execute(c.codes.communication, this.scope({ parameters: params, common: c.codes.common }), { log: this.log });
    return { id, type: 'basic', params, data: r.data ?? {}, uid: r.uid, metadata: r.metadata };
  }

  /** OAuth step 1: evaluates `authorize` (its `temp` first) into the URL the user's browser opens. */
  authorizeUrl(id: string, params: Obj, oauth: OAuthEnv): { url: string; temp: Obj } {
    const c = this.component('connections', id);
    const comm = c.codes.communication as Obj;
    const authorize = comm.authorize as Obj;
    const scope = this.scope({ parameters: params, common: c.codes.common, oauth: this.oauthVars(c, oauth) });
    const temp = (evaluate(authorize.temp ?? {}, scope) ?? {}) as Obj;
    const s2 = { ...scope, temp };
    const url = new URL(String(evaluate(authorize.url, s2)));
    for (const [k, v] of Object.entries((evaluate(authorize.qs ?? {}, s2) ?? {}) as Obj)) url.searchParams.set(k, String(v));
    return { url: url.toString(), temp: JSON.parse(JSON.stringify(temp)) as Obj };
  }

  private oauthVars(c: LoadedComponent, oauth: OAuthEnv): Obj {
    return { localRedirectUri: oauth.localRedirectUri, redirectUri: oauth.localRedirectUri, scope: oauth.scope ?? (c.codes.defaultScope as string[]) ?? [] };
  }

  /** OAuth step 2: Make's callback got `query`; `authorize.response.temp`, then `token`, then `info`. */
  async completeOAuth(id: string, params: Obj, oauth: OAuthEnv, temp0: Obj, query: Obj): Promise<MakeConnection> {
    const c = this.component('connections', id);
    const comm = c.codes.communication as Obj;
    const base = this.scope({ parameters: params, common: c.codes.common, oauth: this.oauthVars(c, oauth), query });
    const authResponse = ((comm.authorize as Obj).response ?? {}) as Obj;
    const temp = { ...temp0, ...((evaluate(authResponse.temp ?? {}, { ...base, temp: temp0 }) ?? {}) as Obj) };
    const token = await execute(comm.token, { ...base, temp }, { log: this.log });
    const conn: MakeConnection = { id, type: 'oauth', params, data: token.data ?? {}, expires: token.expires };
    if (comm.info) {
      const info = await execute(comm.info, { ...base, temp, data: conn.data }, { log: this.log });
      conn.uid = info.uid;
      conn.metadata = info.metadata;
    }
    return conn;
  }

  /** Runs `refresh`, keeping what it stores. */
  async refresh(conn: MakeConnection): Promise<MakeConnection> {
    const c = this.component('connections', conn.id);
    const comm = c.codes.communication as Obj;
    const r = await execute(comm.refresh, this.scope({ parameters: conn.params, common: c.codes.common, data: conn.data }), { log: this.log });
    if (r.skipped) return conn;
    return { ...conn, data: { ...conn.data, ...(r.data ?? {}) }, expires: r.expires ?? conn.expires };
  }

  /** Make refreshes before a module runs when the access token's `expires` has passed. */
  async ensureFresh(conn: MakeConnection): Promise<MakeConnection> {
    if (conn.type !== 'oauth' || conn.data.expires === undefined) return conn;
    return Date.parse(String(conn.data.expires)) <= this.clock().getTime() ? this.refresh(conn) : conn;
  }

  async invalidate(conn: MakeConnection): Promise<void> {
    const comm = this.component('connections', conn.id).codes.communication as Obj;
    if (comm.invalidate) await execute(comm.invalidate, this.scope({ parameters: conn.params, data: conn.data }), { log: this.log });
  }

  // --- modules and RPCs ---------------------------------------------------------------------

  /** Runs an action or a search; the bundles it outputs. */
  async run(moduleId: string, conn: MakeConnection, parameters: Obj = {}): Promise<unknown[]> {
    const m = this.component('modules', moduleId);
    if (m.meta.moduleType === 'trigger' || m.meta.moduleType === 'instant_trigger') throw new Error(`${moduleId} is a trigger`);
    const c = await this.ensureFresh(conn);
    const r = await execute(m.codes.communication, this.scope({ parameters, connection: this.connectionVars(c) }), { base: this.app.base, log: this.log });
    return r.items.map((i) => i.output);
  }

  /** An RPC's options ({label, value}). */
  async rpc(rpcId: string, conn: MakeConnection, parameters: Obj = {}): Promise<unknown[]> {
    const r = this.component('rpcs', rpcId);
    const c = await this.ensureFresh(conn);
    const out = await execute(r.codes.communication, this.scope({ parameters, connection: this.connectionVars(c) }), { base: this.app.base, log: this.log });
    return out.items.map((i) => i.output);
  }

  // --- polling triggers ---------------------------------------------------------------------

  /** The "Choose where to start" list: the trigger's communication with the epoch's overrides. */
  async epoch(moduleId: string, conn: MakeConnection, parameters: Obj = {}): Promise<unknown[]> {
    const m = this.component('modules', moduleId);
    const comm = m.codes.communication as Obj;
    const ep = (m.codes.epoch ?? {}) as Obj;
    const merged = { ...comm, ...ep, response: { ...((comm.response as Obj) ?? {}), ...((ep.response as Obj) ?? {}) } };
    delete (merged.response as Obj).trigger;
    const c = await this.ensureFresh(conn);
    const r = await execute(merged, this.scope({ parameters, connection: this.connectionVars(c) }), { base: this.app.base, log: this.log });
    return r.items.map((i) => i.output);
  }

  /** The state a trigger starts from after the user's epoch choice. */
  startState(choice: EpochChoice): TriggerState {
    switch (choice.kind) {
      case 'all':
        return null;
      case 'now':
        return { date: this.clock().toISOString(), id: '' };
      case 'since':
        return { date: choice.date, id: '' };
      case 'item':
        return { date: choice.date, id: choice.id };
    }
  }

  /**
   * One scheduled run of a polling trigger, with Make's documented cursor for `type: date`: items
   * are ordered by (date, id) and only those after the stored (date, id) are processed, oldest
   * first, at most `limit` of them; the cursor moves to the last one processed. With `order: desc`
   * paging stops after a page that reaches back before the cursor's date; `unordered` reads every page.
   */
  async poll(moduleId: string, conn: MakeConnection, parameters: Obj, state: TriggerState): Promise<{ bundles: unknown[]; state: TriggerState }> {
    const m = this.component('modules', moduleId);
    if (m.meta.moduleType !== 'trigger') throw new Error(`${moduleId} is not a polling trigger`);
    const c = await this.ensureFresh(conn);
    const key = (i: Item) => ({ t: Date.parse(i.trigger!.date!), id: i.trigger!.id });
    const after = (i: Item) => {
      if (!state) return true;
      const k = key(i);
      const s = Date.parse(state.date);
      return k.t > s || (k.t === s && k.id > state.id);
    };
    const r: ExecResult = await execute(m.codes.communication, this.scope({ parameters, connection: this.connectionVars(c) }), {
      base: this.app.base,
      applyLimit: false,
      log: this.log,
      continuePaging: (page) => {
        if (!state || page.length === 0) return true;
        if (page[0]!.trigger!.order !== 'desc') return true;
        return key(page.at(-1)!).t >= Date.parse(state.date);
      },
    });
    for (const i of r.items) if (!i.trigger?.date || Number.isNaN(Date.parse(i.trigger.date))) throw new Error(`${moduleId}: an item has no trigger date`);
    const seen = new Set<string>();
    const fresh = r.items
      .filter(after)
      .filter((i) => (seen.has(i.trigger!.id) ? false : (seen.add(i.trigger!.id), true)))
      .sort((a, b) => key(a).t - key(b).t || (key(a).id < key(b).id ? -1 : key(a).id > key(b).id ? 1 : 0));
    const taken = r.limit !== undefined ? fresh.slice(0, r.limit) : fresh;
    const last = taken.at(-1);
    return { bundles: taken.map((i) => i.output), state: last ? { date: new Date(key(last).t).toISOString(), id: key(last).id } : state };
  }

  // --- webhooks (instant triggers) ----------------------------------------------------------

  /** Creating the webhook in Make: `attach` with `webhook.url`, storing what it returns. */
  async attach(webhookId: string, conn: MakeConnection, url: string, params: Obj): Promise<MakeWebhook> {
    const w = this.component('webhooks', webhookId);
    const c = await this.ensureFresh(conn);
    const r = await execute(w.codes.attach, this.scope({ parameters: params, connection: this.connectionVars(c), webhook: { url } }), { log: this.log });
    return { id: webhookId, url, params, data: r.data ?? {} };
  }

  async detach(hook: MakeWebhook, conn: MakeConnection): Promise<{ skipped: boolean }> {
    const w = this.component('webhooks', hook.id);
    const c = await this.ensureFresh(conn);
    const r = await execute(w.codes.detach, this.scope({ parameters: hook.params, connection: this.connectionVars(c), webhook: { url: hook.url, ...hook.data } }), {
      log: this.log,
    });
    return { skipped: r.skipped };
  }

  /** An incoming request on the webhook → the bundles the instant trigger module emits. */
  receive(hook: MakeWebhook, request: { body: unknown; headers: Obj; query?: Obj }): unknown[] {
    const w = this.component('webhooks', hook.id);
    const comm = w.codes.communication as Obj;
    const scope = this.scope({ parameters: hook.params, body: request.body, headers: request.headers, query: request.query ?? {}, webhook: { url: hook.url, ...hook.data } });
    // Make's webhook `condition`: when false, the delivery produces no bundle.
    if (comm.condition !== undefined && !truthy(evaluate(comm.condition, scope))) return [];
    if (comm.iterate !== undefined) {
      const container = evaluate(comm.iterate, scope);
      return (Array.isArray(container) ? container : []).map((item) => JSON.parse(JSON.stringify(evaluate(comm.output, { ...scope, item }))) as unknown);
    }
    const out = evaluate(comm.output ?? '{{body}}', scope);
    return out === undefined || out === null ? [] : [JSON.parse(JSON.stringify(out)) as unknown];
  }
}
