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
  ReportExecutionInput,
  type GreenlightToolsOptions,
} from './tools.ts';
export { main, type MainIo } from './stdio.ts';
