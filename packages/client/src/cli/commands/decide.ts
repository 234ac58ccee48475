import { EXIT } from '../exit-codes.ts';
import { defineCommand } from '../define.ts';
import { describeApproval } from '../format.ts';
import { UsageError } from '../support.ts';

export const decideCommand = defineCommand({
  name: 'decide',
  summary: 'approve or reject a request',
  usage: `Usage: greenlight decide ID approve|reject [--comment TEXT] [--json]

Record a decision as the key's connection (not the one that asked: four-eyes). With several
approvals required the request stays pending until enough people approve. Exit 0, or 4 on an error.
`,
  options: { comment: { type: 'string' } },
  positionals: ['ID', 'approve|reject'],
  async run({ remote, io, values, positionals, json, interrupts }) {
    const [id, decision] = positionals as [string, string];
    if (decision !== 'approve' && decision !== 'reject') throw new UsageError(`the decision is "approve" or "reject", not "${decision}"`);
    const result = await remote.client.approvals.decide(
      id,
      { decision, ...(values.comment !== undefined ? { comment: values.comment } : {}), source: 'cli' },
      { signal: interrupts.signal },
    );
    io.stdout(json ? `${JSON.stringify(result)}\n` : describeApproval(result, remote.pageOf(result.id)));
    return EXIT.ok;
  },
});
