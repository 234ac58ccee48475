/**
 * The protected resources (RFC 8707 resource indicators, RFC 9728 `resource`) tokens can be bound
 * to. A token issued without a `resource` is for the REST API (`/api/v1`), as every grant made by
 * Zapier, Make and n8n is; one issued for the MCP endpoint works there and nowhere else.
 */
export const MCP_PATH = '/mcp';

export const mcpResource = (publicUrl: string): string => `${publicUrl}${MCP_PATH}`;

/** Every resource a client may name in `resource`; compared as exact strings. */
export const knownResources = (publicUrl: string): readonly string[] => [mcpResource(publicUrl)];
