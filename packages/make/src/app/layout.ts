/**
 * The app in Make's local-development layout (what the VS Code extension clones and deploys):
 * `makecomapp.json` names every component and the file of each of its codes.
 */
import { APP_README } from './readme.ts';
import {
  BASE,
  CONNECTIONS,
  CONNECTION_API_KEY,
  CONNECTION_OAUTH,
  GROUPS,
  MODULES,
  RPCS,
  WEBHOOKS,
  type Json,
} from './components.ts';

export const MAKECOMAPP = 'makecomapp.json';

export interface MakecomappOrigin {
  label?: string;
  baseUrl: string;
  appId: string;
  appVersion: number;
  apikeyFile: string;
  idMapping?: Record<string, { local: string | null; remote: string | null }[]>;
}

/** Where `pnpm deploy` pushes unless makecomapp.json says otherwise (the file's origins are kept when regenerating). */
export const DEFAULT_ORIGINS: MakecomappOrigin[] = [
  { label: 'Make (eu1)', baseUrl: 'https://eu1.make.com/api', appId: 'greenlight-approvals', appVersion: 1, apikeyFile: '.secrets/make-apikey' },
];

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

export const json = (v: Json) => `${JSON.stringify(v, null, 2)}\n`;

export interface AppFiles {
  /** Path relative to packages/make → file content. */
  files: Map<string, string>;
  makecomapp: Record<string, unknown>;
}

export function buildApp(origins: MakecomappOrigin[] = DEFAULT_ORIGINS): AppFiles {
  const files = new Map<string, string>();
  const put = (path: string, v: Json) => {
    files.set(path, typeof v === 'string' ? v : json(v));
    return path;
  };
  const codes = (type: string, id: string, entries: [string, string, Json | undefined][]) => {
    const dir = `${type}s/${kebab(id)}`;
    const out: Record<string, string | null> = {};
    for (const [codeType, suffix, content] of entries) {
      out[codeType] = content === undefined ? null : put(`${dir}/${kebab(id)}.${suffix}`, content);
    }
    return out;
  };

  const generalCodeFiles = {
    base: put('general/base.iml.json', BASE),
    common: put('general/common.json', {}),
    readme: put('general/readme.md', APP_README),
    groups: put('modules/groups.json', GROUPS),
  };

  const connection: Record<string, unknown> = {};
  for (const c of CONNECTIONS) {
    const oauth = c.connectionType === 'oauth';
    connection[c.id] = {
      label: c.label,
      connectionType: c.connectionType,
      codeFiles: codes('connection', c.id, [
        ['communication', oauth ? 'oauth-communication.iml.json' : 'communication.iml.json', c.communication],
        ['params', 'params.iml.json', c.params],
        ['common', 'common.json', c.common],
        ...(oauth
          ? ([
              ['scopeList', 'scope-list.iml.json', c.scopeList],
              ['defaultScope', 'default-scope.iml.json', c.defaultScope],
            ] as [string, string, Json][])
          : []),
      ]),
    };
  }

  const shared = { connection: CONNECTION_OAUTH, altConnection: CONNECTION_API_KEY };

  const webhook: Record<string, unknown> = {};
  for (const w of WEBHOOKS) {
    webhook[w.id] = {
      label: w.label,
      webhookType: w.webhookType,
      ...shared,
      codeFiles: codes('webhook', w.id, [
        ['communication', 'communication.iml.json', w.communication],
        ['params', 'params.iml.json', w.params],
        ['attach', 'attach.iml.json', w.attach],
        ['detach', 'detach.iml.json', w.detach],
        ['requiredScope', 'required-scope.iml.json', w.requiredScope],
      ]),
    };
  }

  const module: Record<string, unknown> = {};
  for (const m of MODULES) {
    module[m.id] = {
      label: m.label,
      description: m.description,
      moduleType: m.moduleType,
      ...(m.actionCrud ? { actionCrud: m.actionCrud } : {}),
      ...(m.webhook ? { webhook: m.webhook, connection: null, altConnection: null } : shared),
      codeFiles: codes('module', m.id, [
        ['communication', 'communication.iml.json', m.communication],
        ...(m.moduleType === 'trigger' ? ([['epoch', 'epoch.iml.json', m.epoch]] as [string, string, Json][]) : []),
        ['staticParams', 'static-params.iml.json', m.staticParams],
        ['mappableParams', 'mappable-params.iml.json', m.mappableParams],
        ['interface', 'interface.iml.json', m.interface],
        ['samples', 'samples.iml.json', m.samples],
        ...(m.scope ? ([['scope', 'scope.iml.json', m.scope]] as [string, string, Json][]) : []),
      ]),
    };
  }

  const rpc: Record<string, unknown> = {};
  for (const r of RPCS) {
    rpc[r.id] = {
      label: r.label,
      ...shared,
      codeFiles: codes('rpc', r.id, [
        ['communication', 'communication.iml.json', r.communication],
        ['params', 'params.iml.json', r.params],
      ]),
    };
  }

  const makecomapp = {
    fileVersion: 1,
    generalCodeFiles,
    components: { connection, webhook, module, rpc, function: {}, endpoint: {} },
    origins,
  };
  files.set(MAKECOMAPP, json(makecomapp));
  return { files, makecomapp };
}
