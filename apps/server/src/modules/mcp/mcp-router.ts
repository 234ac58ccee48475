import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { Greenlight } from '@greenlight/client';
import type { createGreenlightMcpServer } from '@greenlight/mcp';
import type { AppDeps } from '../../context.ts';
import { resolveAccessToken } from '../oauth/access-token.ts';
import { MCP_PATH, mcpResource } from '../oauth/resources.ts';
import type { InternalCalls } from './internal-calls.ts';

/** The scopes an MCP client asks for: reading requests and making (and cancelling) them. */
const MCP_SCOPES = ['approvals:read', 'approvals:write'];

const PRM_PATH = '/.well-known/oauth-protected-resource';

/** RFC 9728 §2: who protects `/mcp` and how to present a token to it. */
export function protectedResourceMetadata(publicUrl: string): OAuthProtectedResourceMetadata {
  return {
    resource: mcpResource(publicUrl),
    authorization_servers: [publicUrl],
    scopes_supported: MCP_SCOPES,
    bearer_methods_supported: ['header'],
    resource_name: 'Greenlight MCP server',
    resource_documentation: `${publicUrl}/docs`,
  };
}

/** Where this request reached this process: the tools call the REST API there, never over the public URL (a proxy, TLS, another replica). */
function ownAddress(req: Request): string {
  const address = req.socket.localAddress ?? '127.0.0.1';
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${req.socket.localPort}`;
}

const methodNotAllowed = (_req: Request, res: Response) => {
  // Stateless: no server-initiated stream to GET and no session to DELETE (Streamable HTTP, 2025-06-18).
  res.set('Allow', 'POST').status(405).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: POST JSON-RPC messages to this endpoint' }, id: null });
};

interface Mcp {
  bearer: RequestHandler;
  createGreenlightMcpServer: typeof createGreenlightMcpServer;
  MCP_SERVER_VERSION: string;
  StreamableHTTPServerTransport: typeof StreamableHTTPServerTransport;
}

/** The SDK's bearer check around this server's tokens, and what a request builds its server from. */
async function loadMcp(deps: AppDeps, resource: string, publicUrl: string): Promise<Mcp> {
  const [{ requireBearerAuth }, { InvalidTokenError }, { StreamableHTTPServerTransport }, { createGreenlightMcpServer, MCP_SERVER_VERSION }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js'),
    import('@modelcontextprotocol/sdk/server/auth/errors.js'),
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
    import('@greenlight/mcp'),
  ]);
  const bearer = requireBearerAuth({
    resourceMetadataUrl: `${publicUrl}${PRM_PATH}${MCP_PATH}`,
    expectedResource: new URL(resource),
    verifier: {
      async verifyAccessToken(token: string): Promise<AuthInfo> {
        const found = /^glat_[A-Za-z0-9_-]{43}$/.test(token) ? await resolveAccessToken(deps.db, token, resource) : null;
        if (!found) throw new InvalidTokenError('invalid, expired or revoked access token, or one not issued for this resource');
        return {
          token,
          clientId: found.clientId,
          scopes: found.auth.scopes,
          expiresAt: Math.floor(found.expiresAt.getTime() / 1000),
          resource: new URL(resource),
        };
      },
    },
  });

  return { bearer, createGreenlightMcpServer, MCP_SERVER_VERSION, StreamableHTTPServerTransport };
}

/**
 * The MCP server over Streamable HTTP at `/mcp`, protected as the MCP authorization specification
 * asks: a request without a valid token gets 401 with `WWW-Authenticate: Bearer …
 * resource_metadata="<RFC 9728 document>"`, which names Greenlight's OAuth server; the client
 * registers itself there (RFC 7591), gets a token for the resource `<public URL>/mcp` (RFC 8707) with
 * PKCE, and only such a token is accepted here. The bearer check and the transport are the SDK's.
 *
 * Stateless: every POST builds the tools afresh around a client acting as the token's grant, so any
 * replica answers any request and nothing outlives it.
 */
export function mcpRouter(deps: AppDeps, internalCalls: InternalCalls): Router {
  const router = express.Router();
  const publicUrl = deps.config.publicUrl;
  const resource = mcpResource(publicUrl);
  const metadata = protectedResourceMetadata(publicUrl);

  // Public documents, fetched by browser-based clients too.
  router.get([PRM_PATH, `${PRM_PATH}${MCP_PATH}`], (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*').json(metadata);
  });

  // The MCP SDK and the tools load with the first request to /mcp: a server whose clients never
  // call it does not hold them (about 10 MB).
  let loading: Promise<Mcp> | undefined;
  const mcp = () =>
    (loading ??= loadMcp(deps, resource, publicUrl).catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
  const bearer: RequestHandler = (req, res, next) => {
    mcp().then((m) => m.bearer(req, res, next), next);
  };

  // The transport reads and parses the body itself, answering JSON-RPC's own errors (parse error, …).
  router.post(MCP_PATH, bearer, async (req: Request, res: Response) => {
    const { createGreenlightMcpServer, MCP_SERVER_VERSION, StreamableHTTPServerTransport } = await mcp();
    const token = (req as Request & { auth: AuthInfo }).auth.token;
    const auth = async () => (await resolveAccessToken(deps.db, token, resource))?.auth ?? null;
    const call = internalCalls.issue(auth);
    const greenlight = new Greenlight({
      baseUrl: ownAddress(req),
      accessToken: call.credential,
      userAgent: `greenlight-mcp/${MCP_SERVER_VERSION} (http)`,
    });
    // The page is offered only to a client that declared URL elicitation in this server's hearing,
    // which a stateless server never has: kept so a session-bound deployment offers it unchanged.
    const server = createGreenlightMcpServer(greenlight, {
      approvalPageUrl: (id) => `${publicUrl}/requests/${id}`,
      connectionId: async () => (await auth())?.connection?.id ?? null,
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      call.release();
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (err) {
      req.log.error({ err }, 'MCP request failed');
      if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  });
  router.all(MCP_PATH, bearer, methodNotAllowed);
  return router;
}
