import { EXECUTION_STATUSES, ReportExecutionBody } from '@greenlight/contract';
import { EXIT } from '../exit-codes.ts';
import { defineCommand } from '../define.ts';
import { describeApproval } from '../format.ts';
import { UsageError } from '../support.ts';

export const executionCommand = defineCommand({
  name: 'execution',
  summary: 'report what the automation did with an approval (started, succeeded, failed)',
  usage: `Usage: greenlight execution ID started|succeeded|failed [--message TEXT] [--link URL] [--json]

Send an execution receipt for an approved request this key's connection made: "started", then
"succeeded" or "failed" (either may come without "started"; they are final). The approvers who
decided see it on the request page and by email. Exit 0, or 4 on an error (409: the request is not
approved, or the receipt is already final).

Options:
  --message TEXT   what happened ("Deployed v2.4.0", "exit code 3")
  --link URL       where to see it (a CI run, a log), http(s)
`,
  options: { message: { type: 'string' }, link: { type: 'string' } },
  positionals: ['ID', 'started|succeeded|failed'],
  async run({ remote, io, values, positionals, json, interrupts }) {
    const [id, status] = positionals as [string, string];
    if (!(EXECUTION_STATUSES as readonly string[]).includes(status)) throw new UsageError(`the status is ${EXECUTION_STATUSES.join(', ')}, not "${status}"`);
    const body = ReportExecutionBody.safeParse({
      status,
      ...(values.message !== undefined ? { message: values.message } : {}),
      ...(values.link !== undefined ? { url: values.link } : {}),
    });
    if (!body.success) {
      const issue = body.error.issues[0]!;
      throw new UsageError(`${issue.path[0] === 'url' ? '--link must be an http(s) URL' : `--${String(issue.path[0])}`}: ${issue.message}`);
    }
    const approval = await remote.client.approvals.reportExecution(id, body.data, { signal: interrupts.signal });
    io.stdout(json ? `${JSON.stringify(approval)}\n` : describeApproval(approval, remote.pageOf(approval.id)));
    return EXIT.ok;
  },
});
