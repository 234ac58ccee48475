import express, { type Router } from 'express';
import { createRequire } from 'node:module';
import { buildOpenApiDocument } from '@greenlight/contract';

const require = createRequire(import.meta.url);

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Greenlight API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

// Kept out of the HTML so the default Content-Security-Policy (script-src 'self') holds.
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#docs', deepLinking: true, tryItOutEnabled: true });`;

/** The OpenAPI document and interactive docs, served from this process (no CDN). */
export function docsRouter(): Router {
  const router = express.Router();
  // Built on first request, not at start (50–85 ms of the cold start, bench P5).
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  // The package's main module evaluates the whole Swagger UI bundle (~40 MB of heap) only to
  // answer its own folder; absolute-path.js answers it alone.
  const assets: string = require('swagger-ui-dist/absolute-path.js')();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.json((document ??= buildOpenApiDocument()));
  });
  router.get(['/docs', '/docs/'], (_req, res) => {
    res.type('html').send(DOCS_HTML);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(DOCS_INIT);
  });
  router.use('/docs/assets', express.static(assets, { index: false, maxAge: '1h' }));
  return router;
}
