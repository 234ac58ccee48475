import { defineConfig } from 'vite';

/**
 * Production: `vite build` → dist/, which apps/server serves with an SPA fallback (and the session's
 * CSRF token in a <meta> tag). Development: `pnpm --filter @greenlight/web dev` proxies everything the
 * server owns to a running Greenlight (GREENLIGHT_URL, default http://127.0.0.1:3000); the dashboard
 * then fetches the CSRF token from /dashboard/session, since Vite's index.html has no meta tag.
 * JSX goes through Vite's built-in Oxc transform; no plugin is needed.
 */
const target = process.env.GREENLIGHT_URL ?? 'http://127.0.0.1:3000';
const proxied = ['/api', '/oauth', '/sign-in', '/account', '/docs', '/.well-known', '/dashboard/session', '/channels'];

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  build: { target: 'es2022', sourcemap: true },
  server: {
    proxy: Object.fromEntries(proxied.map((p) => [p, { target, changeOrigin: false }])),
  },
});
