/**
 * The Make app's files: every one valid against Make's own JSON Schemas (../shared/vendor beside
 * the repository), in sync with what `pnpm generate` writes, consistent with each other, only
 * calling IML functions the evaluator knows; the IML evaluator itself; and the deploy's dry run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  buildApp,
  currentOrigins as currentOriginsForTest,
  deploy,
  evaluate,
  evaluateExpression,
  expressionsIn,
  functionsCalled,
  IML_FUNCTIONS,
  ImlError,
  listAppFiles,
  loadApp,
  MakeSchemas,
  MODULE_TYPE_ID,
  PACKAGE_DIR,
  recordingSdk,
  type DeployCall,
} from './index.ts';

const app = loadApp();
const makecomapp = app.makecomapp as {
  generalCodeFiles: Record<string, string>;
  components: Record<string, Record<string, { codeFiles: Record<string, string | null>; connection?: string | null; altConnection?: string | null; webhook?: string | null; moduleType?: string }>>;
};

/** Every code file with the code type makecomapp.json gives it. */
function codeFiles(): [path: string, codeType: string][] {
  const out: [string, string][] = [['makecomapp.json', 'makecomapp']];
  for (const [t, p] of Object.entries(makecomapp.generalCodeFiles)) out.push([p, t]);
  for (const comps of Object.values(makecomapp.components)) for (const c of Object.values(comps)) for (const [t, p] of Object.entries(c.codeFiles)) if (p) out.push([p, t]);
  return out;
}

describe('Make JSON Schemas', () => {
  const schemas = new MakeSchemas();
  const files = codeFiles().filter(([p]) => p.endsWith('.json'));

  it('makecomapp.json lists every file of the app, and nothing else is there', () => {
    expect(codeFiles().map(([p]) => p).sort()).toEqual(listAppFiles());
  });

  it.each(files)('%s (%s) is valid', (path, codeType) => {
    const check = schemas.validate(path, JSON.parse(readFileSync(join(PACKAGE_DIR, path), 'utf8')), codeType);
    expect(check.schema, `no schema for ${path}`).not.toBeNull();
    expect(check.errors).toEqual([]);
  });

  it('the schemas do catch mistakes (a POST without a body, a bad error type, a trigger without an id)', () => {
    expect(schemas.validate('modules/x/x.communication.iml.json', { url: '/a', method: 'POST' }).errors).not.toEqual([]);
    expect(schemas.validate('general/base.iml.json', { response: { error: { message: 'x', type: 'Oops' } } }).errors).not.toEqual([]);
    expect(schemas.validate('modules/x/x.communication.iml.json', { url: '/a', response: { trigger: { type: 'date', order: 'desc' } } }).errors).not.toEqual([]);
    expect(schemas.validate('modules/x/x.epoch.iml.json', { response: { output: { label: 'x' } } }).errors).not.toEqual([]);
    expect(schemas.validate('makecomapp.json', { fileVersion: 1 }).errors).not.toEqual([]);
  });
});

describe('generated from the contract and the trigger layer', () => {
  it('the committed files are what `pnpm generate` writes (no drift)', () => {
    const { files } = buildApp(currentOriginsForTest());
    for (const [path, content] of files) expect(readFileSync(join(PACKAGE_DIR, path), 'utf8'), path).toBe(content);
    expect([...files.keys()].sort()).toEqual(listAppFiles());
  });

  it('references hold: connections, webhooks, RPCs and groups name existing components', () => {
    const { connection, webhook, module, rpc } = makecomapp.components;
    for (const [id, m] of Object.entries({ ...module!, ...rpc!, ...webhook! })) {
      for (const ref of [m.connection, m.altConnection]) if (ref) expect(connection, id).toHaveProperty(ref);
      if (m.webhook) expect(webhook, id).toHaveProperty(m.webhook);
    }
    for (const m of Object.values(module!)) expect(Object.keys(MODULE_TYPE_ID)).toContain(m.moduleType);
    const grouped = app.groups.flatMap((g) => g.modules).sort();
    expect(grouped).toEqual(Object.keys(module!).sort());
    const rpcRefs = JSON.stringify(app.modules).match(/rpc:\/\/\w+/g) ?? [];
    expect(rpcRefs.length).toBeGreaterThan(0);
    for (const r of rpcRefs) expect(rpc).toHaveProperty(r.slice('rpc://'.length));
  });

  it('mappable fields carry the contract’s labels, limits and options', () => {
    const params = app.modules.requestApproval!.codes.mappableParams as Record<string, unknown>[];
    expect(params.find((p) => p.name === 'title')).toMatchObject({ label: 'Title', type: 'text', required: true, validate: { max: 500 } });
    expect(params.find((p) => p.name === 'priority')).toMatchObject({ type: 'select', options: [{ value: 'low' }, { value: 'medium' }, { value: 'high' }, { value: 'critical' }] });
    expect(params.find((p) => p.name === 'required_approvals')).toMatchObject({ type: 'uinteger', default: 1, validate: { min: 1, max: 20 } });
    expect(params.find((p) => p.name === 'tags')).toMatchObject({ type: 'array', spec: [{ name: 'key' }, { name: 'value' }] });
  });

  it('modules that read the API declare viewer_can field by field; triggers, whose items carry none, do not', () => {
    const viewerCanOf = (id: string) => (app.modules[id]!.codes.interface as { name: string; spec?: { name: string; spec?: { name: string }[] }[] }[]).find((p) => p.name === 'viewer_can');
    for (const id of ['requestApproval', 'getApproval', 'decideApproval', 'cancelApproval', 'listApprovals', 'findApprovalByExternalId']) {
      const can = viewerCanOf(id);
      expect(can?.spec?.map((p) => p.name), id).toEqual(['decide', 'cancel', 'revoke', 'reassign', 'comment', 'grant']);
      expect(can?.spec?.[0]?.spec?.map((p) => p.name), id).toEqual(['allowed', 'reason', 'steps', 'approve', 'reason_code']);
    }
    for (const id of ['watchNewApprovals', 'watchDecisions', 'watchDecisionsInstant']) expect(viewerCanOf(id), id).toBeUndefined();
  });

  it('every IML expression in the app parses and calls only functions the evaluator implements', () => {
    const exprs = codeFiles()
      .filter(([p]) => p.endsWith('.json'))
      .flatMap(([p]) => expressionsIn(JSON.parse(readFileSync(join(PACKAGE_DIR, p), 'utf8'))));
    expect(exprs.length).toBeGreaterThan(100);
    const called = new Set(exprs.flatMap((e) => functionsCalled(e)));
    for (const f of called) expect(IML_FUNCTIONS).toHaveProperty(f);
    expect([...called].sort()).toEqual(expect.arrayContaining(['addDays', 'addSeconds', 'formatDate', 'ifempty', 'join', 'replace', 'sha256', 'toCollection', 'uuid']));
  });
});

describe('IML evaluator', () => {
  const scope = {
    parameters: { id: 'a b', tags: [{ key: 'env', value: 'prod' }], status: ['pending', 'approved'], n: 3, empty: '' },
    body: { data: [{ id: 1 }, { id: 2 }], next_page_token: null, error: { code: 'NOT_FOUND' } },
    connection: { baseUrl: 'https://gl.example', apiKey: 'k' },
    temp: { codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' },
    now: new Date('2026-01-02T03:04:05.678Z'),
    statusCode: 404,
    1: { id: 'a b', n: 3 },
    2: { data: [{ id: 1 }, { id: 2 }] },
  };
  it.each<[string, unknown]>([
    ['{{parameters.n}}', 3],
    ['{{body.data}}', [{ id: 1 }, { id: 2 }]],
    ['{{body.data[1].id}}', 1],
    ['{{body.data.2.id}}', 2],
    ['Bearer {{connection.apiKey}}', 'Bearer k'],
    ['{{connection.baseUrl}}/api/v1/approvals/{{encodeURL(parameters.id)}}', 'https://gl.example/api/v1/approvals/a%20b'],
    ["{{join(parameters.status, ',')}}", 'pending,approved'],
    ["{{toCollection(parameters.tags, 'key', 'value')}}", { env: 'prod' }],
    ["{{ifempty(parameters.empty, 'fallback')}}", 'fallback'],
    ["{{ifempty(parameters.n, 'fallback')}}", 3],
    ['{{parameters.missing}}', undefined],
    ["{{if(body.error.code = 'NOT_FOUND', 'DataError', 'RuntimeError')}}", 'DataError'],
    ['{{statusCode < 300 or statusCode = 404}}', true],
    ['{{statusCode >= 200 and statusCode < 300}}', false],
    ['{{2 + 3 * 4}}', 14],
    ["{{'a' + 'b'}}", 'ab'],
    ['{{-parameters.n}}', -3],
    ["{{formatDate(addDays(now, -1), 'YYYY-MM-DDTHH:mm:ss.SSS[Z]')}}", '2026-01-01T03:04:05.678Z'],
    ['{{addSeconds(now, 3600)}}', new Date('2026-01-02T04:04:05.678Z')],
    ["{{replace('a-b-c', '/-/g', '')}}", 'abc'],
    ["{{replace('a-b-c', '-', '+')}}", 'a+b+c'],
    // RFC 7636 appendix B: the verifier's S256 challenge.
    ["{{replace(replace(replace(sha256(temp.codeVerifier, 'base64'), '/[+]/g', '-'), '/[/]/g', '_'), '/=+$/', '')}}", 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'],
    ["{{sha256('abc')}}", 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['{{length(body.data)}}', 2],
    // A scenario's mapping names modules by number.
    ['{{1.id}} / {{2.data.2.id}}', 'a b / 2'],
    ["{{if(1.n > 2, 'many', 'few')}}", 'many'],
    ['{{1.5 + 1}}', 2.5],
  ])('%s', (template, expected) => {
    expect(evaluate(template, scope)).toEqual(expected);
  });

  it('drops keys whose value is undefined, keeps falsy ones', () => {
    expect(evaluate({ a: '{{parameters.missing}}', b: '{{parameters.empty}}', c: 0, d: { e: '{{body.next_page_token}}' } }, scope)).toEqual({ b: '', c: 0, d: { e: null } });
  });

  it('uuid is a fresh v4 each time', () => {
    const a = evaluateExpression('uuid', {});
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(evaluateExpression('uuid', {})).not.toBe(a);
  });

  it('the app’s PKCE verifier is 64 unreserved characters', () => {
    const v = evaluate("{{replace(uuid, '/-/g', '')}}{{replace(uuid, '/-/g', '')}}", {});
    expect(v).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['{{nope(1)}}', 'unknown function nope'],
    ["{{'open}}", 'unterminated string'],
    ['{{a +}}', 'unexpected token'],
    ['{{a b}}', 'unexpected trailing input'],
  ])('%s is an error: %s', (template, message) => {
    expect(() => evaluate(template, {})).toThrow(ImlError);
    expect(() => evaluate(template, {})).toThrow(message);
  });
});

describe('deploy', () => {
  it('the dry run walks every component and section through the SDK’s calls without touching the network', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const calls: DeployCall[] = [];
    const origin = currentOriginsForTest()[0]!;
    const { idMapping } = await deploy({ app, origin, sdk: recordingSdk(calls) });
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();

    const names = calls.map((c) => c.call);
    expect(names.slice(0, 4)).toEqual(['apps.get', 'apps.setSection', 'apps.setSection', 'apps.setDocs']);
    const { connection, webhook, module, rpc } = makecomapp.components;
    expect(idMapping.connection!.map((m) => m.local).sort()).toEqual(Object.keys(connection!).sort());
    expect(idMapping.webhook!.map((m) => m.local)).toEqual(Object.keys(webhook!));
    expect(idMapping.rpc!.map((m) => m.local).sort()).toEqual(Object.keys(rpc!).sort());
    expect(idMapping.module!.map((m) => m.local).sort()).toEqual(Object.keys(module!).sort());

    // Each module's sections carry its files' content.
    const sections = (id: string) =>
      Object.fromEntries(calls.filter((c) => c.call === 'modules.setSection' && c.args[2] === id).map((c) => [c.args[3], JSON.parse(String(c.args[4])) as unknown]));
    expect(sections('watchDecisions')).toEqual({
      api: app.modules.watchDecisions!.codes.communication,
      epoch: app.modules.watchDecisions!.codes.epoch,
      parameters: app.modules.watchDecisions!.codes.staticParams,
      expect: app.modules.watchDecisions!.codes.mappableParams,
      interface: app.modules.watchDecisions!.codes.interface,
      samples: app.modules.watchDecisions!.codes.samples,
      scope: app.modules.watchDecisions!.codes.scope,
    });
    const instant = calls.find((c) => c.call === 'modules.create' && (c.args[2] as { name: string }).name === 'watchDecisionsInstant')!;
    expect(instant.args[2]).toMatchObject({ typeId: 10, webhook: idMapping.webhook![0]!.remote });
    const oauthRemote = idMapping.connection!.find((m) => m.local === 'greenlightOauth')!.remote;
    expect(calls.filter((c) => c.call === 'connections.setSection' && c.args[0] === oauthRemote).map((c) => c.args[1])).toEqual(['api', 'parameters', 'scopes', 'scope']);

    // A second deploy with the mapping updates instead of creating.
    const again: DeployCall[] = [];
    await deploy({ app, origin: { ...origin, idMapping }, sdk: recordingSdk(again) });
    expect(again.filter((c) => c.call.endsWith('.create'))).toEqual([]);
  });
});
