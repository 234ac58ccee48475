import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { Greenlight } from '@greenlight/client';
import { createGreenlightMcpServer, MCP_SERVER_VERSION } from './tools.ts';

const USAGE = `Usage: greenlight-mcp

Runs Greenlight's MCP server over stdio, for an MCP client (Claude Desktop, Claude Code, …) to start.
Settings come from the environment:
  GREENLIGHT_URL       the server, e.g. https://greenlight.example.com (no /api/v1)
  GREENLIGHT_API_KEY   an API key (gk_…) with the scopes approvals:read and approvals:write
`;

const Env = z.object({
  GREENLIGHT_URL: z.url({ protocol: /^https?$/ }),
  GREENLIGHT_API_KEY: z.string().regex(/^gk_[0-9a-f]{64}$/, 'must be a Greenlight API key (gk_ followed by 64 hex digits)'),
});

export interface MainIo {
  env?: NodeJS.ProcessEnv;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

/**
 * `greenlight-mcp`: serves the tools on stdin/stdout until stdin closes.
 * Resolves with the exit code: 0 after a clean close, 4 for a usage or configuration error (the
 * automation CLI's code for those). Nothing but MCP messages is ever written to stdout.
 */
export async function main(argv: readonly string[], io: MainIo = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  if (argv.includes('--help') || argv.includes('-h')) {
    stderr.write(USAGE);
    return 0;
  }
  if (argv.includes('--version')) {
    stderr.write(`${MCP_SERVER_VERSION}\n`);
    return 0;
  }
  if (argv.length > 0) {
    stderr.write(`greenlight-mcp: unexpected argument ${JSON.stringify(argv[0])}\n\n${USAGE}`);
    return 4;
  }
  const env = Env.safeParse(io.env ?? process.env);
  if (!env.success) {
    for (const issue of env.error.issues) stderr.write(`greenlight-mcp: ${issue.path.join('.')}: ${issue.message}\n`);
    stderr.write(`\n${USAGE}`);
    return 4;
  }
  const greenlight = new Greenlight({ baseUrl: env.data.GREENLIGHT_URL, apiKey: env.data.GREENLIGHT_API_KEY, userAgent: `greenlight-mcp/${MCP_SERVER_VERSION}` });
  const server = createGreenlightMcpServer(greenlight, { approvalPageUrl: (id) => `${env.data.GREENLIGHT_URL.replace(/\/+$/, '')}/requests/${id}` });
  const stdin: Readable = io.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, io.stdout ?? process.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    stdin.on('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
  return 0;
}
