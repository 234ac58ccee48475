/**
 * For the tests: the action's bundle started as a GitHub runner starts a `uses:` step: `node
 * dist/index.mjs` with each input in `INPUT_<NAME>`, the run's GITHUB_* variables, and files for the
 * step's outputs and summary, read back as the runner reads them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeProgram, useCliWorld, type CliRun, type CliWorld } from '../../../apps/server/src/testing/index.ts';
import { INPUTS, type InputName, type OutputName } from './inputs.ts';

export const ACTION_BUNDLE = fileURLToPath(new URL('../dist/index.mjs', import.meta.url));

/** What a runner sets for a step of run 4242, attempt 1, job `deploy` of acme/shop. */
export function runnerEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_WORKFLOW: 'Release',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTION: 'greenlight',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '17',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '3f786850e387550fdab836ed7e6dc881de23001b',
    GITHUB_ACTOR: 'octocat',
    ...overrides,
  };
}

export interface ActionRun extends CliRun {
  /** The step's outputs as the runner reads them from GITHUB_OUTPUT, once the step has exited. */
  outputs(): Promise<Partial<Record<OutputName, string>>>;
  summary(): Promise<string>;
  cleanUp(): Promise<void>;
}

/** Parses GITHUB_OUTPUT's `name<<DELIMITER` blocks (what @actions/core writes, and the runner reads). */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const block = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (!block) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== block[2]; i++) value.push(lines[i]!);
    outputs[block[1]!] = value.join('\n');
  }
  return outputs;
}

export async function runAction(inputs: Partial<Record<InputName, string>>, env: Record<string, string> = runnerEnv()): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), 'gl-action-'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  // The runner sets every input action.yml gives a default, as that default, when the workflow does not.
  const defaults = Object.fromEntries(Object.entries(INPUTS).flatMap(([name, spec]) => ('default' in spec ? [[name, spec.default]] : [])));
  const inputEnv = Object.fromEntries(Object.entries({ ...defaults, ...inputs }).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value ?? '']));
  const run = runNodeProgram([ACTION_BUNDLE], { env: { ...env, ...inputEnv, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile } });
  return {
    ...run,
    outputs: async () => parseOutputFile(await readFile(outputFile, 'utf8')),
    summary: () => readFile(summaryFile, 'utf8'),
    cleanUp: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A file's server and org (useCliWorld), with the inputs of a step that asks as the org's key and a decision by a second key. */
export function useActionWorld(orgName: string) {
  let w!: CliWorld;
  useCliWorld(orgName, (world) => (w = world));
  return {
    get server() {
      return w.server;
    },
    get org() {
      return w.org;
    },
    inputs: (title: string, more: Partial<Record<InputName, string>> = {}) => ({ url: w.server.url, 'api-key': w.org.key, title, ...more }),
    decide: (id: string, decision: 'approve' | 'reject', comment?: string, response?: Record<string, unknown>) =>
      w.server.http(w.approverKey).patch(`/api/v1/approvals/${id}`).send({ decision, comment, response }).expect(200),
    statusOf: async (id: string) => (await w.server.http(w.org.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status as string,
  };
}
