/**
 * Mocked n8n function contexts for the n8n package's tests (n8n's own test harness is not
 * published). The nodes under test are the BUILT package (`n8n-node build` output, what n8n loads),
 * required with Node's own loader: it is CommonJS, as n8n requires it.
 *
 * `helpers.httpRequestWithAuthentication` behaves as n8n's does for the API-key credential: it adds
 * `Authorization: Bearer <key>`, sends with the real network stack (so nock or a real server
 * answers), answers `{statusCode, headers, body}` with `returnFullResponse`, and on a non-2xx
 * throws n8n's NodeApiError wrapping an HTTP-client error that carries `response.{status,data}`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { IDataObject, IHttpRequestOptions, INode, INodeExecutionData, JsonObject } from 'n8n-workflow';

export const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));
const DIST = `${PACKAGE_DIR}dist/`;
const requireFromPackage = createRequire(`${PACKAGE_DIR}package.json`);

export function loadBuilt<T>(relativePath: string): T {
  if (!existsSync(`${DIST}${relativePath}`)) {
    throw new Error(`${DIST}${relativePath} is missing: run \`pnpm --filter n8n-nodes-greenlight build\` first`);
  }
  return requireFromPackage(`./dist/${relativePath}`) as T;
}

/** The n8n-workflow the built package resolves (its errors must be the same classes). */
export const n8nWorkflow = requireFromPackage('n8n-workflow') as typeof import('n8n-workflow');

export interface Nodes {
  Greenlight: typeof import('../dist/nodes/Greenlight/Greenlight.node.js').Greenlight;
  /** Version 1 of the versioned node (kept for existing workflows). */
  GreenlightRequestAndWait: typeof import('../dist/nodes/GreenlightRequestAndWait/GreenlightRequestAndWaitV1.version.js').GreenlightRequestAndWaitV1;
  GreenlightRequestAndWaitV2: typeof import('../dist/nodes/GreenlightRequestAndWait/GreenlightRequestAndWaitV2.version.js').GreenlightRequestAndWaitV2;
  GreenlightTrigger: typeof import('../dist/nodes/GreenlightTrigger/GreenlightTrigger.node.js').GreenlightTrigger;
  GreenlightPollingTrigger: typeof import('../dist/nodes/GreenlightPollingTrigger/GreenlightPollingTrigger.node.js').GreenlightPollingTrigger;
}

export function loadNodes(): { [K in keyof Nodes]: InstanceType<Nodes[K]> } {
  const n = (file: string, name: string) => new (loadBuilt<Record<string, new () => unknown>>(file)[name]!)();
  // What n8n does with a versioned node: one instance, and the version the workflow names.
  const wait = n('nodes/GreenlightRequestAndWait/GreenlightRequestAndWait.node.js', 'GreenlightRequestAndWait') as { getNodeType(version: number): unknown };
  return {
    Greenlight: n('nodes/Greenlight/Greenlight.node.js', 'Greenlight'),
    GreenlightRequestAndWait: wait.getNodeType(1),
    GreenlightRequestAndWaitV2: wait.getNodeType(2),
    GreenlightTrigger: n('nodes/GreenlightTrigger/GreenlightTrigger.node.js', 'GreenlightTrigger'),
    GreenlightPollingTrigger: n('nodes/GreenlightPollingTrigger/GreenlightPollingTrigger.node.js', 'GreenlightPollingTrigger'),
  } as never;
}

export interface ContextOptions {
  baseUrl: string;
  apiKey: string;
  /** Node parameters; a function receives the item index (for per-item values). */
  parameters: Record<string, unknown | ((itemIndex: number) => unknown)>;
  items?: IDataObject[];
  continueOnFail?: boolean;
  staticData?: IDataObject;
  mode?: 'manual' | 'trigger' | 'webhook';
  webhookUrl?: string;
  resumeUrl?: string;
  /** For webhook(): the incoming request as n8n's body parser leaves it, and the URL it was called on. */
  request?: { headers: Record<string, string>; rawBody: Buffer; url?: string; query?: Record<string, string> };
  /** The execution's custom data (`$execution.customData`), shared by execute() and the webhook() of one execution. */
  customData?: Record<string, string>;
  /** How many custom data keys n8n keeps (n8n 2.x: 10; a key past it is dropped silently). */
  customDataLimit?: number;
  /** The execution's stack entry: what execute() left for a wait limit, and what webhook() resumes from. */
  executeData?: ContextRecord['executeData'];
  /** The webhook context has no stack entry (an n8n that does not keep it there). */
  noStackEntry?: boolean;
}

export interface ContextRecord {
  requests: IHttpRequestOptions[];
  waitTill: Date | undefined;
  response: { status?: number; body?: unknown };
  /** The execution's stack entry for the node (`getExecuteData()`): what n8n passes on at a wait limit. */
  executeData: { data: { main: INodeExecutionData[][] }; node: INode } & Record<string, unknown>;
  customData: Record<string, string>;
}

const NODE: INode = {
  id: 'c5f2a9a1-6a55-4d5e-9d61-0b7b1f6f7c10',
  name: 'Greenlight',
  type: 'CUSTOM.greenlight',
  typeVersion: 1,
  position: [0, 0],
  parameters: {},
};

async function httpRequest(options: IHttpRequestOptions, apiKey: string) {
  const url = new URL(options.url);
  for (const [k, v] of Object.entries(options.qs ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { ...(options.headers as Record<string, string>), Authorization: `Bearer ${apiKey}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as text, as n8n does
  }
  if (res.status >= 400) {
    const error = Object.assign(new Error(`Request failed with status code ${res.status}`), {
      isAxiosError: true,
      response: { status: res.status, data: body, headers: Object.fromEntries(res.headers) },
    });
    throw new n8nWorkflow.NodeApiError(NODE, error as unknown as JsonObject);
  }
  return options.returnFullResponse ? { statusCode: res.status, headers: Object.fromEntries(res.headers), body } : body;
}

/** One object that serves as IExecuteFunctions, IHookFunctions, IPollFunctions or IWebhookFunctions. */
export function context(o: ContextOptions): { ctx: never; record: ContextRecord; staticData: IDataObject } {
  const staticData = o.staticData ?? {};
  const items: INodeExecutionData[] = (o.items ?? [{}]).map((json) => ({ json }));
  const customData = o.customData ?? {};
  const record: ContextRecord = {
    requests: [],
    waitTill: undefined,
    response: {},
    executeData: o.executeData ?? { data: { main: [items] }, node: { ...NODE, disabled: true } },
    customData,
  };
  // n8n 2.8's `$execution.customData` (n8n-core's execution-metadata): at most `limit` keys, a new key past it is dropped.
  const limit = o.customDataLimit ?? 10;
  const custom = {
    set: (key: string, value: string) => {
      if (!(key in customData) && Object.keys(customData).length >= limit) return;
      customData[key] = String(value);
    },
    get: (key: string) => customData[key],
  };
  // The two expressions a webhook context is asked for, evaluated as n8n would over this execution.
  const evaluateExpression = (expression: string) => {
    const kept = /^\{\{ \$execution\.customData\.get\("([A-Za-z0-9_]+)"\) \}\}$/.exec(expression);
    if (kept) return custom.get(kept[1]!);
    if (expression === '{{ $json.approval_id }}') {
      const first = record.executeData.data.main[0]?.[0];
      if (!first) throw new Error("Can't get data for expression");
      return first.json.approval_id;
    }
    throw new Error(`the test context does not evaluate ${expression}`);
  };
  const parameter = (name: string, itemIndex: number, fallback?: unknown) => {
    if (!(name in o.parameters)) {
      if (fallback !== undefined) return fallback;
      throw new Error(`parameter ${name} is not set in the test`);
    }
    const v = o.parameters[name];
    return typeof v === 'function' ? (v as (i: number) => unknown)(itemIndex) : v;
  };
  // n8n's body parser keeps the raw bytes and leaves an unparsable body empty.
  const parsedBody = () => {
    try {
      return o.request?.rawBody ? (JSON.parse(o.request.rawBody.toString('utf8')) as IDataObject) : {};
    } catch {
      return {};
    }
  };
  const res = {
    status(code: number) {
      record.response.status = code;
      return res;
    },
    json(body: unknown) {
      record.response.body = body;
      return res;
    },
  };
  const ctx = {
    getNode: () => NODE,
    getInputData: () => items,
    continueOnFail: () => o.continueOnFail ?? false,
    getMode: () => o.mode ?? 'trigger',
    getActivationMode: () => 'activate',
    // Execute/poll/hook contexts take (name, itemIndex, fallback); webhook contexts take (name, fallback).
    getNodeParameter: (name: string, a?: unknown, b?: unknown) => (typeof a === 'number' ? parameter(name, a, b) : parameter(name, 0, a)),
    getCredentials: async () => ({ baseUrl: o.baseUrl, apiKey: o.apiKey }),
    getWorkflowStaticData: () => staticData,
    getWorkflow: () => ({ id: 'wf-1', name: 'Test workflow', active: true }),
    getNodeWebhookUrl: () => o.webhookUrl,
    getSignedResumeUrl: (parameters: Record<string, string> = {}) => {
      const url = new URL(o.resumeUrl ?? 'https://n8n.example.test/webhook-waiting/1/node?signature=abc');
      for (const [k, v] of Object.entries(parameters)) url.searchParams.set(k, v);
      return url.toString();
    },
    getExecuteData: () => record.executeData,
    getWorkflowDataProxy: () => ({ $execution: { customData: custom } }),
    evaluateExpression,
    // n8n-core's WebhookContext holds the stack entry it resumes from in this (unpublished) field.
    ...(o.noStackEntry ? {} : { executeData: record.executeData }),
    getQueryData: () => o.request?.query ?? {},
    putExecutionToWait: async (date: Date) => {
      record.waitTill = date;
    },
    getRequestObject: () => ({ url: o.request?.url, headers: o.request?.headers ?? {}, rawBody: o.request?.rawBody, body: parsedBody() }),
    getResponseObject: () => res,
    getBodyData: parsedBody,
    getHeaderData: () => o.request?.headers ?? {},
    helpers: {
      httpRequestWithAuthentication: async (credentialType: string, options: IHttpRequestOptions) => {
        if (credentialType !== 'greenlightApi') throw new Error(`unexpected credential type ${credentialType}`);
        record.requests.push(options);
        return httpRequest(options, o.apiKey);
      },
      returnJsonArray: (data: IDataObject | IDataObject[]) => (Array.isArray(data) ? data : [data]).map((json) => ({ json })),
    },
  };
  return { ctx: ctx as never, record, staticData };
}
