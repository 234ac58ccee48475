/**
 * The GitHub Action: one job step that asks Greenlight and waits, its exit code the decision (0
 * approved, 1 rejected or revoked, 2 expired or cancelled, 3 no decision within `timeout`, 4 a
 * usage or API error), with the outcome as step outputs and a line in the job summary.
 *
 * It is the `greenlight request --wait --json` command line run in-process, not a second client:
 * the waiting (long poll, reconnects, revoke windows), the idempotency check and the exit codes are
 * the command's, so the action and a `run:` step with the CLI cannot behave differently.
 */
import { createHash } from 'node:crypto';
import * as core from '@actions/core';
import { AUTOMATION_COMMANDS, EXIT, processIo, remoteFrom, runCommandLine, type CliIo } from '@greenlight/client/cli';
import { INPUTS, type InputName, type OutputName } from './inputs.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The run this step belongs to, from the variables every GitHub runner sets. */
export function githubContext(env: Env): Record<string, string> {
  const context: Record<string, string | undefined> = {
    repository: env.GITHUB_REPOSITORY,
    workflow: env.GITHUB_WORKFLOW,
    job: env.GITHUB_JOB,
    run_id: env.GITHUB_RUN_ID,
    run_number: env.GITHUB_RUN_NUMBER,
    run_attempt: env.GITHUB_RUN_ATTEMPT,
    event_name: env.GITHUB_EVENT_NAME,
    ref: env.GITHUB_REF,
    sha: env.GITHUB_SHA,
    actor: env.GITHUB_ACTOR,
    run_url:
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined,
  };
  return Object.fromEntries(Object.entries(context).filter((entry): entry is [string, string] => Boolean(entry[1])));
}

class InputError extends Error {}

/**
 * One key per step of one attempt of one job: a step retried within the attempt finds its request,
 * a re-run of the job (a new attempt) asks again. The title's digest tells matrix legs apart, which
 * share the job's id.
 */
function defaultIdempotencyKey(github: Record<string, string>, env: Env, title: string): string {
  const titleDigest = createHash('sha256').update(title).digest('hex').slice(0, 12);
  return ['github', github.repository, github.run_id, github.run_attempt, github.job, env.GITHUB_ACTION, titleDigest].map((part) => part ?? '-').join(':');
}

/** The arguments of `greenlight request` this step's inputs ask for. */
export function requestArgs(input: (name: InputName) => string, env: Env): string[] {
  const github = githubContext(env);
  const title = input('title');
  if (!title) throw new InputError('the input "title" is required');

  let metadata: Record<string, unknown> = {};
  const given = input('metadata');
  if (given) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(given);
    } catch (err) {
      throw new InputError(`the input "metadata" is not JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InputError('the input "metadata" must be a JSON object');
    metadata = parsed as Record<string, unknown>;
  }
  if (Object.keys(github).length > 0 && !('github' in metadata)) metadata = { ...metadata, github };

  const description =
    input('description') ||
    (github.run_url
      ? `${github.actor ?? 'Someone'} started ${github.workflow ?? 'a workflow'} (run ${github.run_number ?? github.run_id}) on ${github.ref ?? 'a ref'} at ${(github.sha ?? '').slice(0, 7)}: ${github.run_url}`
      : '');

  const args = ['request', '--title', title, '--wait', '--json', '--metadata', JSON.stringify(metadata)];
  const option = (flag: string, value: string) => {
    if (value) args.push(flag, value);
  };
  option('--description', description);
  option('--priority', input('priority'));
  option('--action-type', input('action-type'));
  option('--expires-in', input('expires-in'));
  option('--timeout', input('timeout'));
  option('--revocable-for', input('revocable-for'));
  option('--source', input('source'));
  option('--response-schema', input('response-schema'));
  option('--idempotency-key', input('idempotency-key') || defaultIdempotencyKey(github, env, title));
  const cancel = input('cancel-on-interrupt').toLowerCase();
  if (cancel !== '' && cancel !== 'true' && cancel !== 'false') throw new InputError('the input "cancel-on-interrupt" must be true or false');
  if (cancel !== 'false') args.push('--cancel-on-interrupt');
  return args;
}

/** What `request --wait --json` printed: the outcome and the request, or the error. */
interface Printed {
  outcome?: string;
  approval?: { id: string; decision_comment?: string | null; status?: string; response?: Record<string, unknown> | null };
  error?: { code: string; message: string };
}

/** Runs the step; answers its exit code. */
export async function run(io: CliIo = processIo()): Promise<number> {
  const input = (name: InputName) => core.getInput(name, { required: false });
  const setOutput = (name: OutputName, value: string) => core.setOutput(name, value);
  const url = input('url');
  const apiKey = input('api-key');
  if (apiKey) core.setSecret(apiKey);

  let args: string[];
  try {
    for (const [name, spec] of Object.entries(INPUTS)) {
      if ('required' in spec && spec.required && !input(name as InputName)) throw new InputError(`the input "${name}" is required`);
    }
    args = requestArgs(input, io.env);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    core.setFailed(err.message);
    return EXIT.error;
  }

  let printed = '';
  const env = { ...io.env, GREENLIGHT_URL: url, GREENLIGHT_API_KEY: apiKey };
  const code = await runCommandLine(args, { ...io, env, stdout: (text) => void (printed += text) }, AUTOMATION_COMMANDS);

  let result: Printed = {};
  try {
    result = JSON.parse(printed.trim().split('\n').at(-1) ?? '{}') as Printed;
  } catch {
    // The command prints one JSON object with --json; anything else is reported by the exit code alone.
  }
  if (result.approval) {
    const page = remoteFrom(env).pageOf(result.approval.id);
    setOutput('approval-id', result.approval.id);
    setOutput('approval-url', page);
    setOutput('comment', result.approval.decision_comment ?? '');
    setOutput('response', result.approval.response ? JSON.stringify(result.approval.response) : '');
    setOutput('approval', JSON.stringify(result.approval));
    if (io.env.GITHUB_STEP_SUMMARY) {
      await core.summary
        .addRaw(`Greenlight: **${result.outcome ?? 'unknown'}**`)
        .addRaw(result.approval.decision_comment ? ` (“${result.approval.decision_comment}”)` : '')
        .addRaw(' — ')
        .addLink('the request', page)
        .addEOL()
        .write();
    }
  }
  setOutput('outcome', result.outcome ?? '');
  if (code !== EXIT.approved) {
    core.setFailed(
      result.error
        ? // The command names its environment variable; a workflow sets the input.
          `Greenlight: ${result.error.message.replaceAll('GREENLIGHT_URL', 'the input "url"')}`
        : `Greenlight: ${result.outcome === 'timed_out' ? 'no decision within the timeout' : (result.outcome ?? 'no decision')}`,
    );
  }
  return code;
}
