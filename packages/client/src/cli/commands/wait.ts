import { defineCommand } from '../define.ts';
import { parseDuration } from '../support.ts';
import { waitAndReport } from '../waiting.ts';
import { DEFAULT_TIMEOUT } from './request.ts';

export const waitCommand = defineCommand({
  name: 'wait',
  summary: 'wait for the decision on a request and exit with it',
  usage: `Usage: greenlight wait ID [--timeout DURATION] [--cancel-on-interrupt] [--json]

Wait for a person to decide, through server restarts and dropped connections.
Exit 0 approved, 1 rejected, 2 expired or cancelled, 3 timed out waiting, 4 usage or API error.

Options:
  --timeout DURATION     how long to wait (default: ${DEFAULT_TIMEOUT}; 90s, 30m, 2h)
  --cancel-on-interrupt  Ctrl-C cancels the request (default: it stays pending)
  --json                 print {"outcome", "approval"} on stdout
`,
  options: { timeout: { type: 'string' }, 'cancel-on-interrupt': { type: 'boolean' } },
  positionals: ['ID'],
  async run({ remote, io, values, positionals, json, interrupts }) {
    const deadline = Date.now() + parseDuration(values.timeout ?? DEFAULT_TIMEOUT, '--timeout') * 1000;
    // The title for the "waiting" line, and a 404 before any waiting when the id is wrong.
    const approval = await remote.client.approvals.get(positionals[0]!, { signal: interrupts.signal });
    return waitAndReport(remote, io, interrupts, { approval, deadline, json, cancelOnInterrupt: values['cancel-on-interrupt'] === true });
  },
  failure: ({ values, positionals }) => ({ approvalId: positionals[0], cancelOnInterrupt: values['cancel-on-interrupt'] === true }),
});
