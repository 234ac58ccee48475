/**
 * Checks the app's files against Make's own JSON Schemas (the ones its VS Code extension uses),
 * kept outside the repository at ../shared/vendor/make-app-schemas (relative to the repo root).
 * Which schema a file gets comes from that folder's file-to-schema.json, as in the extension.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { PACKAGE_DIR } from './app/write.ts';

export const REPO_ROOT = resolve(PACKAGE_DIR, '..', '..');
export const SCHEMAS_DIR = process.env.MAKE_APP_SCHEMAS_DIR ?? resolve(REPO_ROOT, '../shared/vendor/make-app-schemas');

interface Mapping {
  fileMatch: string[];
  url: string;
}

/** VS Code's fileMatch: a pattern without a slash matches the file name, `**` any folders. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('**/')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('(?:.*/)?');
  return new RegExp(`^${body}$`);
}

/** Local code type (makecomapp.json) → the code's name in Make's API (the extension's component-code-def). */
export const API_CODE_TYPE: Record<string, string> = {
  communication: 'api',
  params: 'parameters',
  staticParams: 'parameters',
  mappableParams: 'expect',
  interface: 'interface',
  samples: 'samples',
  scope: 'scope',
  epoch: 'epoch',
  attach: 'attach',
  detach: 'detach',
  update: 'update',
  requiredScope: 'scope',
  scopeList: 'scopes',
  defaultScope: 'scope',
  common: 'common',
  base: 'base',
  groups: 'groups',
};

export interface SchemaCheck {
  path: string;
  schema: string | null;
  errors: ErrorObject[];
}

export class MakeSchemas {
  private readonly ajv = new Ajv({ strict: false, unicodeRegExp: false, allErrors: true, formats: { uri: (s: string) => URL.canParse(s) } });
  private readonly mappings: { patterns: { re: RegExp; onName: boolean }[]; schema: string }[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly dir = SCHEMAS_DIR) {
    if (!existsSync(join(dir, 'file-to-schema.json'))) throw new Error(`Make's schemas are not at ${dir} (expected ../shared/vendor/make-app-schemas beside the repository)`);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json') && n !== 'file-to-schema.json')) {
      this.ajv.addSchema(JSON.parse(readFileSync(join(dir, f), 'utf8')) as object, f);
    }
    const table = JSON.parse(readFileSync(join(dir, 'file-to-schema.json'), 'utf8')) as Mapping[];
    this.mappings = table.map((m) => ({
      schema: basename(m.url),
      patterns: m.fileMatch.map((p) => ({ re: globToRegExp(p), onName: !p.includes('/') })),
    }));
  }

  /**
   * The schema for a path (relative to the app root); the last matching entry wins, as more
   * specific patterns (endpoints) come after general ones. The table also names each code by the
   * name Make's API gives it (`parameters.imljson`, `scope.imljson`…): a local file the patterns
   * miss (static parameters, a module's scope, a connection's common data) is checked as the code
   * type makecomapp.json says it is.
   */
  schemaFor(path: string, codeType?: string): string | null {
    const match = (name: string, full: string) => {
      let found: string | null = null;
      for (const m of this.mappings) if (m.patterns.some((p) => p.re.test(p.onName ? name : full))) found = m.schema;
      return found;
    };
    const byName = match(basename(path), path);
    if (byName || !codeType) return byName;
    const api = API_CODE_TYPE[codeType];
    return api ? match(`${api}.imljson`, `${api}.imljson`) ?? match(`${api}.json`, `${api}.json`) : null;
  }

  validate(path: string, content: unknown, codeType?: string): SchemaCheck {
    const schema = this.schemaFor(path, codeType);
    if (!schema) return { path, schema, errors: [] };
    let v = this.compiled.get(schema);
    if (!v) {
      v = this.ajv.getSchema(schema);
      if (!v) throw new Error(`schema ${schema} is not loaded`);
      this.compiled.set(schema, v);
    }
    const ok = v(content);
    return { path, schema, errors: ok ? [] : [...(v.errors ?? [])] };
  }
}
