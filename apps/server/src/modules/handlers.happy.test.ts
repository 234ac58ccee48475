/**
 * One convention for handlers (STYLE.md): each operation of the contract in its own file under
 * modules/<resource>/, named after the operation (`addMember` → `add-member.ts`), and no file holds
 * two. Read from handlers.ts, the one map of operationId → handler.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ROUTE_LIST } from '@greenlight/contract';
import { dialectHandlers } from '../dialects/index.ts';

// Microsoft Teams and Web Push are one word each in file names (msteams, webpush), as OAuth is (oauth).
const kebab = (name: string) => name.replace(/OAuth/g, 'Oauth').replace(/MsTeams/g, 'Msteams').replace(/WebPush/g, 'Webpush').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const source = readFileSync(new URL('./handlers.ts', import.meta.url), 'utf8');
const imports = [...source.matchAll(/^import \{ (\w+) \} from '\.\/([\w-]+)\/([\w-]+)\.ts';$/gm)].map(([, name, folder, file]) => ({ name: name!, folder: folder!, file: file! }));

it('imports every operation of the contract from a file of its own, named after it', () => {
  // A peer API's operations are translations in dialects/<dialect>/, one file per dialect.
  const operations = ROUTE_LIST.filter((r) => !r.dialect).map((r) => r.operationId).sort();
  expect(imports.map((i) => i.name).sort()).toEqual(operations);
  expect(imports.filter((i) => i.file !== kebab(i.name)).map((i) => `${i.name} from ${i.folder}/${i.file}.ts`)).toEqual([]);
});

it("handles every peer API's operation in dialects/", () => {
  const operations = ROUTE_LIST.filter((r) => r.dialect).map((r) => r.operationId).sort();
  expect(operations.length).toBeGreaterThan(0);
  expect(Object.keys(dialectHandlers).sort()).toEqual(operations);
});

it('each of those files holds one handler', () => {
  for (const { folder, file, name } of imports) {
    const text = readFileSync(new URL(`./${folder}/${file}.ts`, import.meta.url), 'utf8');
    expect(text.match(/: Handler<Routes\['\w+'\]>/g) ?? [`${name} (a factory)`], `${folder}/${file}.ts`).toHaveLength(1);
  }
});
