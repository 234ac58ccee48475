import { EXIT } from '../exit-codes.ts';
import type { CliCommand } from '../registry.ts';
import { requestCommand } from './request.ts';

/** `greenlight run …` is `greenlight request --run …`: one implementation. */
export const runCommand: CliCommand = {
  summary: 'ask, wait, and run a command only if approved, reporting how it went',
  usage: `Usage: greenlight run --title TEXT [request options] [--link URL] [--json] -- COMMAND [ARGS…]

The same as "greenlight request --run": ask for an approval, wait for the decision, and run COMMAND
(without a shell) only once approved. Greenlight records "started" before the command starts (if it
cannot, the command does not run), then "succeeded" or "failed" with the exit code; the approvers
who decided see it on the request page and by email. The command sees the request's id in
GREENLIGHT_APPROVAL_ID. One --idempotency-key, one approval, one run: a second run with the same key
finds the receipt already reported and runs nothing.

Exit: the command's own exit code when it ran; otherwise 1 rejected, 2 expired or cancelled,
3 timed out waiting, 4 usage or API error (--json prints {"ran": false, "outcome", …} then).
"greenlight request --help" lists the request options.
`,
  async run(args, io) {
    const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
    if (own.includes('--help') || own.includes('-h')) {
      io.stdout(runCommand.usage);
      return EXIT.ok;
    }
    return requestCommand.run(['--run', ...args], io);
  },
};
