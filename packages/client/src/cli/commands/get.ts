import { EXIT } from '../exit-codes.ts';
import { defineCommand } from '../define.ts';
import { describeApproval } from '../format.ts';

export const getCommand = defineCommand({
  name: 'get',
  summary: 'show one request',
  usage: `Usage: greenlight get ID [--json]

Show one request: its status, who decided and why. Exit 0, or 4 on an error (404: no such request).
`,
  options: {},
  positionals: ['ID'],
  async run({ remote, io, positionals, json, interrupts }) {
    const approval = await remote.client.approvals.get(positionals[0]!, { signal: interrupts.signal });
    io.stdout(json ? `${JSON.stringify(approval)}\n` : describeApproval(approval, remote.pageOf(approval.id)));
    return EXIT.ok;
  },
});
