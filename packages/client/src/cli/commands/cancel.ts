import { EXIT } from '../exit-codes.ts';
import { defineCommand } from '../define.ts';
import { describeApproval } from '../format.ts';

export const cancelCommand = defineCommand({
  name: 'cancel',
  summary: 'withdraw a pending request',
  usage: `Usage: greenlight cancel ID [--json]

Withdraw a pending request this key's connection made. Exit 0, or 4 on an error (409: already decided).
`,
  options: {},
  positionals: ['ID'],
  async run({ remote, io, positionals, json, interrupts }) {
    const approval = await remote.client.approvals.cancel(positionals[0]!, { signal: interrupts.signal });
    io.stdout(json ? `${JSON.stringify(approval)}\n` : describeApproval(approval, remote.pageOf(approval.id)));
    return EXIT.ok;
  },
});
