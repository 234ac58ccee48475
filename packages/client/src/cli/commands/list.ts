import { EXIT } from '../exit-codes.ts';
import { defineCommand } from '../define.ts';
import { describeList } from '../format.ts';
import { UsageError } from '../support.ts';

const positiveInt = (text: string, option: string) => {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${option} must be a whole number from 1`);
  return Number(text);
};

export const listCommand = defineCommand({
  name: 'list',
  summary: 'list requests (default: pending ones)',
  usage: `Usage: greenlight list [options]

Options:
  --status LIST          pending, approved, rejected, cancelled, expired, comma-separated, or all (default: pending)
  --priority LIST        low, medium, high, critical, comma-separated
  --action-type LABEL
  --source NAME
  --search TEXT          words in the title or description
  --limit N              requests per page, 1–100 (default: 20)
  --page N
  --json                 print the API's page {"data", "pagination", "next_page_token"}
`,
  options: {
    status: { type: 'string' },
    priority: { type: 'string' },
    'action-type': { type: 'string' },
    source: { type: 'string' },
    search: { type: 'string' },
    limit: { type: 'string' },
    page: { type: 'string' },
  },
  positionals: [],
  async run({ remote, io, values, json, interrupts }) {
    const status = values.status ?? 'pending';
    const page = await remote.client.approvals.list(
      {
        ...(status === 'all' ? {} : { status }),
        ...(values.priority !== undefined ? { priority: values.priority } : {}),
        ...(values['action-type'] !== undefined ? { action_type: values['action-type'] } : {}),
        ...(values.source !== undefined ? { source: values.source } : {}),
        ...(values.search !== undefined ? { search: values.search } : {}),
        ...(values.limit !== undefined ? { page_size: Math.min(100, positiveInt(values.limit, '--limit')) } : {}),
        ...(values.page !== undefined ? { page: positiveInt(values.page, '--page') } : {}),
      },
      { signal: interrupts.signal },
    );
    io.stdout(json ? `${JSON.stringify(page)}\n` : describeList(page));
    return EXIT.ok;
  },
});
