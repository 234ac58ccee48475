import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const server = 'apps/server/src';

/**
 * The server's layers, lowest first. A layer may import the ones below it, never one above, type
 * imports included (they are dependencies of the design if not of the bundle):
 *   storage, events, security, errors.ts, metrics  the database, LISTEN/NOTIFY, tokens, the error type, counters
 *   core                                        the request's transitions (core/approvals) and its records
 *   delivery                                    the outbox: claim, lease, retry schedule, stop-hold, attempt log (no channel)
 *   channels                                    the ways out, one folder each (webhook, email, slack), registered once
 *   notify                                      who is told what, when, through each person's channels
 *   jobs                                        the periodic jobs (expiry, timers, probes, retention, upkeep)
 *   http, context.ts                            routing, authentication, rate limits; what handlers receive
 *   modules                                     the features: handlers, pages, credential resolvers
 *   dialects                                    the peer APIs, translated onto the modules' handlers
 *   app.ts, server.ts, main.ts, cli, admin      composition
 * `config.ts` (parsed settings) and `testing/` (test helpers) stand outside the layers.
 */
const layers = [
  { name: 'composition', paths: ['app.ts', 'server.ts', 'main.ts', 'index.ts', 'cli', 'admin'] },
  { name: 'dialects', paths: ['dialects'] },
  { name: 'modules', paths: ['modules'] },
  { name: 'http', paths: ['http', 'context.ts'] },
  { name: 'jobs', paths: ['jobs'] },
  { name: 'notify', paths: ['notify'] },
  { name: 'channels', paths: ['channels'] },
  { name: 'delivery', paths: ['delivery'] },
  { name: 'core', paths: ['core'] },
  { name: 'base', paths: ['storage', 'events', 'security', 'errors.ts', 'metrics'] },
];
/**
 * Writes of the approval tables, and calls of the transitions' SQL functions, in a string or a
 * template. Only core/approvals (the one module of every transition of a request) and the SQL
 * functions it runs (storage/functions/) write these tables; tests may seed rows.
 */
const approvalWrite = String.raw`\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(approvals|approval_steps|approval_votes|approval_counts)\b`;
const transitionCall = String.raw`\bgreenlight_(create_approvals?|lock_pending|decide|cancel|purge_closed|fold_approval_counts)\s*\(`;
const approvalWritesMessage =
  'only core/approvals writes the approval tables (approvals, approval_steps, approval_votes, approval_counts) or runs their transitions: call a transition from core/approvals/index.ts';
export const approvalWriteSelectors = [approvalWrite, transitionCall].flatMap((re) => [
  { selector: `Literal[value=/${re}/i]`, message: approvalWritesMessage },
  { selector: `TemplateElement[value.raw=/${re}/i]`, message: approvalWritesMessage },
]);

const importSettings = {
  'import-x/resolver-next': [createNodeResolver()],
  'import-x/extensions': ['.ts', '.js', '.mjs'],
  'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
  'import-x/ignore': ['node_modules'],
};
const zones = layers.flatMap((lower, i) =>
  layers.slice(0, i).flatMap((upper) =>
    lower.paths.map((target) => ({
      target: `${server}/${target}`,
      from: upper.paths.map((p) => `${server}/${p}`),
      message: `the ${lower.name} layer must not depend on ${upper.name} (see eslint.config.js)`,
    })),
  ),
);

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/data/**', 'packages/n8n-nodes-greenlight/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.{js,mjs,cjs}'], languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: [`${server}/**/*.ts`],
    plugins: { 'import-x': importX },
    settings: importSettings,
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: [`${server}/**/*.ts`],
    ignores: ['**/*.test.ts', `${server}/testing/**`],
    plugins: { 'import-x': importX },
    settings: importSettings,
    rules: { 'import-x/no-restricted-paths': ['error', { zones }] },
  },
  {
    files: [`${server}/**/*.ts`],
    ignores: ['**/*.test.ts', `${server}/testing/**`, `${server}/core/approvals/**`],
    rules: {
      'no-restricted-syntax': ['error', ...approvalWriteSelectors],
      // core/approvals is reached through its index.ts only, so its surface is the list of transitions.
      'no-restricted-imports': ['error', { patterns: [{ regex: String.raw`core/approvals/(?!index\.ts$)`, message: 'import core/approvals through its index.ts' }] }],
    },
  },
);
