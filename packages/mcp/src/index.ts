export {
  createGreenlightMcpServer,
  MAX_WAIT_SECONDS,
  MCP_SERVER_NAME,
  MCP_SERVER_VERSION,
  RequestApprovalInput,
  RequestApprovalOutput,
  WaitForDecisionInput,
  WaitForDecisionOutput,
  ListPendingInput,
  ApprovalOutput,
  type GreenlightToolsOptions,
} from './tools.ts';
export { main, type MainIo } from './stdio.ts';
