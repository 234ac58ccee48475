import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { ErrorEnvelope } from './errors.ts';
import { errorBodyOf, ROUTE_LIST } from './routes.ts';
import { SCOPE_DESCRIPTIONS } from './scopes.ts';
import { describeAuthorization } from './authorization.ts';
import { INPUT_LIMITS_DESCRIPTION } from './input-limits.ts';
import { DIALECT_IDS, DIALECTS } from './dialects.ts';

const STATUS_TEXT: Record<number, string> = {
  400: 'Validation error',
  401: 'Missing or invalid authentication',
  403: 'Insufficient permissions',
  404: 'Resource not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  429: 'Rate limit exceeded (see Retry-After)',
  500: 'Internal error',
  503: 'Emergency stop is active',
};

const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': { description: 'Requests allowed in the current window', schema: { type: 'integer' as const } },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' as const } },
  'X-RateLimit-Reset': { description: 'When the window resets (epoch seconds)', schema: { type: 'integer' as const } },
};

/** Builds the OpenAPI 3.1 document from the route table; `pnpm generate` writes it to openapi.json. */
export function buildOpenApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.register('Error', ErrorEnvelope);
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`gk_` + 64 hex characters) or an OAuth 2.0 access token',
  });

  for (const route of ROUTE_LIST) {
    const responses: Record<string, unknown> = {};
    for (const [status, def] of Object.entries(route.responses)) {
      responses[status] = {
        description: def.description,
        headers: RATE_LIMIT_HEADERS,
        content: {
          [def.contentType ?? 'application/json']: { schema: def.schema },
          ...Object.fromEntries(
            Object.entries(def.alternatives ?? {}).map(([type, description]) => [type, { schema: { type: 'string', description } }]),
          ),
        },
      };
    }
    const errorBody = errorBodyOf(route);
    for (const status of [...route.errors, 401, 429, 500]) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? 'Error',
        content: { 'application/json': { schema: errorBody } },
      };
    }
    registry.registerPath({
      method: route.method,
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      description: [route.description, `Who may call: ${describeAuthorization(route.authorization)}.`]
        .filter(Boolean)
        .join('\n\n'),
      tags: [route.tag],
      security: [{ [bearer.name]: route.authorization.scope ? [route.authorization.scope] : [] }],
      request: {
        ...(route.request.params ? { params: route.request.params } : {}),
        ...(route.request.query ? { query: route.request.query } : {}),
        ...(route.request.headers ? { headers: route.request.headers } : {}),
        ...(route.request.body
          ? { body: { required: true, content: { 'application/json': { schema: route.request.body } } } }
          : {}),
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generator's ResponseConfig type is narrower than what it accepts
      responses: responses as any,
      'x-greenlight-scope': route.authorization.scope,
      'x-greenlight-mutating': route.authorization.emergencyStop === 'refused',
      'x-greenlight-authorization': route.authorization,
      ...(route.dialect ? { 'x-greenlight-dialect': route.dialect.id } : {}),
    });
  }

  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Greenlight API',
      version: '1.0.0',
      description:
        'Human approval for automations. Wire-compatible with the OKRunit v1 API.\n\nScopes:\n' +
        Object.entries(SCOPE_DESCRIPTIONS)
          .map(([s, d]) => `- \`${s}\`: ${d}`)
          .join('\n') +
        `\n\nInput limits: ${INPUT_LIMITS_DESCRIPTION}`,
    },
    servers: [{ url: '/' }],
    // Every tag in the order its routes come; the peer APIs' say the base URL their clients are pointed at.
    tags: [...new Set(ROUTE_LIST.map((r) => r.tag))].map((name) => {
      const d = DIALECT_IDS.map((id) => DIALECTS[id]).find((x) => x.tag === name);
      if (!d) return { name };
      return {
        name,
        description:
          `The ${d.name} API, as its document (${d.document}) writes it: point a client of it at \`<Greenlight URL>${d.baseUrlPath}\`. ` +
          "Its requests are the v1 API's requests, under the same rules; docs/compatibility.md says what Greenlight does differently.",
      };
    }),
  });
}
