/**
 * Pushes the local app to a Make account with @makehq/sdk, as the VS Code extension's "deploy all"
 * does: general codes, then connections, webhooks, RPCs and modules (creating the ones that have
 * no remote counterpart in the origin's idMapping yet), each section from its local file.
 * A dry run performs the same walk against a recorder instead of Make and changes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Make } from '@makehq/sdk';
import { loadApp, type LoadedApp, type LoadedComponent } from './runtime/runtime.ts';
import type { MakecomappOrigin } from './app/layout.ts';

/** Make's module type ids (the SDK's CreateSDKModuleBody.typeId). */
export const MODULE_TYPE_ID: Record<string, number> = { trigger: 1, action: 4, search: 9, instant_trigger: 10, responder: 11, universal: 12 };

const SECTIONS = {
  connection: { communication: 'api', params: 'parameters', scopeList: 'scopes', defaultScope: 'scope' },
  webhook: { communication: 'api', params: 'parameters', attach: 'attach', detach: 'detach', requiredScope: 'scope' },
  rpc: { communication: 'api', params: 'parameters' },
  module: { communication: 'api', epoch: 'epoch', staticParams: 'parameters', mappableParams: 'expect', interface: 'interface', samples: 'samples', scope: 'scope' },
} as const;

type Sdk = Pick<Make['sdk'], 'apps' | 'connections' | 'webhooks' | 'rpcs' | 'modules'>;

export interface DeployCall {
  /** e.g. `modules.setSection`. */
  call: string;
  args: unknown[];
}

/** Stands in for the SDK in a dry run: records every call and invents remote names for new components. */
export function recordingSdk(calls: DeployCall[]): Sdk {
  let n = 0;
  const rec =
    (group: string) =>
    (method: string) =>
    async (...args: unknown[]) => {
      calls.push({ call: `${group}.${method}`, args });
      if (method === 'create') {
        const body = args.at(-1) as { name?: string };
        return { name: body.name ?? `dry-run-${group}-${++n}` };
      }
      if (method === 'get') return { name: args[0] };
      return undefined;
    };
  const proxy = (group: string) => new Proxy({}, { get: (_t, method: string) => rec(group)(method) });
  return { apps: proxy('apps'), connections: proxy('connections'), webhooks: proxy('webhooks'), rpcs: proxy('rpcs'), modules: proxy('modules') } as unknown as Sdk;
}

export interface DeployOptions {
  app?: LoadedApp;
  origin: MakecomappOrigin;
  sdk: Sdk;
}

export interface DeployResult {
  idMapping: NonNullable<MakecomappOrigin['idMapping']>;
}

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

export async function deploy({ app = loadApp(), origin, sdk }: DeployOptions): Promise<DeployResult> {
  const { appId, appVersion: version } = origin;
  const mapping: DeployResult['idMapping'] = {
    connection: [],
    webhook: [],
    rpc: [],
    module: [],
    function: [],
    endpoint: [],
    ...structuredClone(origin.idMapping ?? {}),
  };
  const remoteOf = (type: string, local: string) => mapping[type]?.find((m) => m.local === local)?.remote ?? null;
  const remember = (type: string, local: string, remote: string) => {
    (mapping[type] ??= []).push({ local, remote });
  };

  // The app must exist (create it in Make first: its name is the origin's appId).
  await sdk.apps.get(appId, version);
  const general = app.makecomapp.generalCodeFiles as Record<string, string>;
  await sdk.apps.setSection(appId, version, 'base', text(app.base));
  await sdk.apps.setSection(appId, version, 'groups', text(app.groups));
  await sdk.apps.setDocs(appId, version, readFileSync(join(app.dir, general.readme!), 'utf8'));

  const connectionName = (local: unknown) => (typeof local === 'string' ? remoteOf('connection', local) ?? undefined : undefined);

  for (const c of Object.values(app.connections)) {
    let remote = remoteOf('connection', c.id);
    if (!remote) {
      remote = (await sdk.connections.create(appId, { type: c.meta.connectionType === 'oauth' ? 'oauth' : 'basic', label: c.meta.label })).name;
      remember('connection', c.id, remote);
    }
    await pushSections(c, SECTIONS.connection, (section, body) => sdk.connections.setSection(remote!, section as never, body));
    if (c.codes.common !== undefined) await sdk.connections.setCommon(remote, c.codes.common as Record<string, never>);
  }

  for (const w of Object.values(app.webhooks)) {
    let remote = remoteOf('webhook', w.id);
    if (!remote) {
      // Make answers the new webhook's name too (the SDK's type lists only label and type).
      const created = (await sdk.webhooks.create(appId, { type: String((w.meta as { webhookType?: string }).webhookType ?? 'web'), label: w.meta.label })) as { name?: string };
      if (!created.name) throw new Error(`Make did not name the new webhook ${w.id}`);
      remote = created.name;
      remember('webhook', w.id, remote);
    }
    await pushSections(w, SECTIONS.webhook, (section, body) => sdk.webhooks.setSection(remote!, section as never, body));
  }

  for (const r of Object.values(app.rpcs)) {
    let remote = remoteOf('rpc', r.id);
    if (!remote) {
      remote = (await sdk.rpcs.create(appId, version, { name: r.id, label: r.meta.label })).name;
      remember('rpc', r.id, remote);
    }
    const meta = r.meta as { connection?: string; altConnection?: string };
    await sdk.rpcs.update(appId, version, remote, { connection: connectionName(meta.connection), altConnection: connectionName(meta.altConnection) });
    await pushSections(r, SECTIONS.rpc, (section, body) => sdk.rpcs.setSection(appId, version, remote!, section as never, body));
  }

  for (const m of Object.values(app.modules)) {
    let remote = remoteOf('module', m.id);
    const meta = m.meta as { moduleType: string; description?: string; connection?: string | null; webhook?: string | null };
    if (!remote) {
      const body = { name: m.id, typeId: MODULE_TYPE_ID[meta.moduleType]!, label: m.meta.label, description: meta.description ?? '' };
      // An instant trigger is bound to its webhook when it is created (a field the SDK's type omits).
      const webhook = meta.webhook ? { webhook: remoteOf('webhook', meta.webhook) } : {};
      remote = (await sdk.modules.create(appId, version, { ...body, ...webhook })).name;
      remember('module', m.id, remote);
    }
    if (meta.connection) await sdk.modules.update(appId, version, remote, { connection: connectionName(meta.connection) });
    await pushSections(m, SECTIONS.module, (section, body) => sdk.modules.setSection(appId, version, remote!, section as never, body));
  }
  return { idMapping: mapping };
}

async function pushSections(c: LoadedComponent, sections: Record<string, string>, set: (section: string, body: string) => Promise<unknown>) {
  for (const [codeType, section] of Object.entries(sections)) {
    const content = c.codes[codeType];
    if (content !== undefined) await set(section, text(content));
  }
}

/** `https://eu1.make.com/api` → `eu1.make.com` (the SDK's zone). */
export const zoneOf = (origin: MakecomappOrigin) => new URL(origin.baseUrl).host;

/** Keeps the remote names a deploy created, as the extension does, so the next deploy updates them. */
export function saveMapping(dir: string, appId: string, mapping: DeployResult['idMapping']) {
  const path = join(dir, 'makecomapp.json');
  const file = JSON.parse(readFileSync(path, 'utf8')) as { origins: MakecomappOrigin[] };
  for (const o of file.origins) if (o.appId === appId) o.idMapping = mapping as MakecomappOrigin['idMapping'];
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}

export { Make };
