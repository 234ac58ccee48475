import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import type { AppDeps } from '../../context.ts';
import { escapeHtml } from '../users/html.ts';
import { csrfTokenFor, findSession, readCookie, SESSION_COOKIE } from '../users/sessions.ts';

const WEB_DIR = fileURLToPath(new URL('../../../../web/', import.meta.url));
export const DASHBOARD_DIST = `${WEB_DIR}dist/`;
/** The one stylesheet of the dashboard and of the server-rendered pages (sign-in, password, consent). */
export const STYLESHEET_PATH = '/greenlight.css';

/**
 * The dashboard's pages: apps/web/src/lib/router.ts parses the same paths. Anything else keeps
 * answering 404 JSON, as unknown routes always have.
 */
const DASHBOARD_PAGES = /^\/(?:|inbox|connections|webhooks|settings|audit-log|teams|notifications|routing|policies|grants|flows|requests\/[0-9a-fA-F-]{36}\/?)$/;

/**
 * The dashboard's HTML may run only its own bundle: no inline script, no other origin (a markdown
 * description that slipped past the sanitizer still cannot execute), and it cannot be framed.
 */
const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * What makes the dashboard an installable app (apps/web/public, copied into the build): its manifest,
 * icons and service worker. The worker is served from the root so that its scope is the whole
 * dashboard, never cached long (a new version must reach every device), and may fetch only this origin.
 */
const APP_FILES: Record<string, { type: string; cache: string; headers?: Record<string, string> }> = {
  '/manifest.webmanifest': { type: 'application/manifest+json', cache: 'public, max-age=300' },
  '/sw.js': { type: 'text/javascript', cache: 'no-cache', headers: { 'Content-Security-Policy': "default-src 'self'; connect-src 'self'; img-src 'self'" } },
  '/icons/icon-192.png': { type: 'image/png', cache: 'public, max-age=86400' },
  '/icons/icon-512.png': { type: 'image/png', cache: 'public, max-age=86400' },
  '/icons/maskable-512.png': { type: 'image/png', cache: 'public, max-age=86400' },
  '/icons/apple-touch-icon.png': { type: 'image/png', cache: 'public, max-age=86400' },
};

/** A file of apps/web/public, from the build when there is one. */
function webFile(path: string): string {
  const built = `${DASHBOARD_DIST}${path.slice(1)}`;
  return existsSync(built) ? built : `${WEB_DIR}public/${path.slice(1)}`;
}

function stylesheetFile(): string {
  const built = `${DASHBOARD_DIST}greenlight.css`;
  return existsSync(built) ? built : `${WEB_DIR}public/greenlight.css`;
}

async function sessionOf(deps: AppDeps, req: Request) {
  const token = readCookie(req, SESSION_COOKIE);
  const session = token ? await findSession(deps.db, token) : null;
  return token && session ? { token, session } : null;
}

/**
 * Serves apps/web's production build (`pnpm build`): hashed assets with long caching, and
 * index.html for every dashboard page with the session's CSRF token in a <meta> tag, so the
 * first mutation costs no extra request. Without a session, a page redirects to the sign-in form
 * and comes back. Without a build, only the stylesheet is served and `/` stays the plain landing page.
 */
export function dashboardRouter(deps: AppDeps): Router {
  const router = express.Router();

  router.get(STYLESHEET_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.type('text/css').sendFile(stylesheetFile());
  });

  for (const [path, file] of Object.entries(APP_FILES)) {
    router.get(path, (_req, res) => {
      res.set({ 'Cache-Control': file.cache, ...file.headers });
      res.type(file.type).sendFile(webFile(path));
    });
  }

  // For `vite dev` (its index.html has no meta tag). Same-origin only: no CORS header is ever sent.
  router.get('/dashboard/session', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const s = await sessionOf(deps, req);
    if (!s) {
      res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'not signed in', request_id: String(req.id) } });
      return;
    }
    res.json({ csrf_token: csrfTokenFor(s.token) });
  });

  const indexFile = `${DASHBOARD_DIST}index.html`;
  if (!existsSync(indexFile)) return router;
  const index = readFileSync(indexFile, 'utf8');

  router.use('/assets', express.static(`${DASHBOARD_DIST}assets`, { immutable: true, maxAge: '1y', index: false, fallthrough: true }));

  const page = async (req: Request, res: Response) => {
    const s = await sessionOf(deps, req);
    if (!s) {
      res.redirect(303, `/sign-in?return_to=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    res.set({
      'Content-Security-Policy': DASHBOARD_CSP,
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'same-origin',
    });
    const meta = `<meta name="csrf-token" content="${escapeHtml(csrfTokenFor(s.token))}">`;
    res.type('html').send(index.replace('</head>', `${meta}\n</head>`));
  };
  router.get(DASHBOARD_PAGES, page);
  return router;
}
