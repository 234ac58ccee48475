import { EXIT } from '../exit-codes.ts';
import { defineCommand } from '../define.ts';
import { describeApproval } from '../format.ts';
import { UsageError } from '../support.ts';
import { GRANT_OPTIONS, GRANT_USAGE, grantFromFlags } from '../grant-flags.ts';
import { ANSWER_OPTIONS, ANSWER_USAGE, answerFromFlags, editsFromFlags, hasAnswerFlags } from '../answer-flags.ts';

export const decideCommand = defineCommand({
  name: 'decide',
  summary: 'approve or reject a request',
  usage: `Usage: greenlight decide ID approve|reject [--comment TEXT] [answer flags] [grant flags] [--json]

Record a decision as the key's connection (not the one that asked: four-eyes). With several
approvals required the request stays pending until enough people approve. Exit 0, or 4 on an error.

${ANSWER_USAGE}
${GRANT_USAGE}Before sending a grant the command asks the server whether you may give one here (the request's
viewer_can.grant) and stops with its reason when not.
`,
  options: { comment: { type: 'string' }, ...ANSWER_OPTIONS, ...GRANT_OPTIONS },
  positionals: ['ID', 'approve|reject'],
  async run({ remote, io, values, positionals, json, interrupts }) {
    const [id, decision] = positionals as [string, string];
    if (decision !== 'approve' && decision !== 'reject') throw new UsageError(`the decision is "approve" or "reject", not "${decision}"`);
    const grant = grantFromFlags(values);
    if (grant && decision !== 'approve') throw new UsageError('a grant is given only with "approve"');
    const answering = hasAnswerFlags(values);
    if (answering && decision !== 'approve') throw new UsageError('an answer and edits are given only with "approve"');
    // The request says how to read the answer's values (its schema) and the edits' (the values they replace).
    const approval = grant || answering ? await remote.client.approvals.get(id, { signal: interrupts.signal }) : null;
    if (grant) {
      // The server refuses a grant it would not offer anyway; asking first says why without casting the vote.
      const can = approval!.viewer_can?.grant;
      if (can && !can.allowed) throw new UsageError(`you cannot give a grant on this request: ${can.reason ?? 'not allowed'}`);
    }
    const response = answering ? answerFromFlags(values, approval!.response_schema) : undefined;
    const edits = answering ? editsFromFlags(values, approval!) : undefined;
    const result = await remote.client.approvals.decide(
      id,
      {
        decision,
        ...(values.comment !== undefined ? { comment: values.comment } : {}),
        ...(response !== undefined ? { response } : {}),
        ...(edits !== undefined ? { edits } : {}),
        ...(grant ? { grant } : {}),
        source: 'cli',
      },
      { signal: interrupts.signal },
    );
    io.stdout(json ? `${JSON.stringify(result)}\n` : describeApproval(result, remote.pageOf(result.id)));
    return EXIT.ok;
  },
});
