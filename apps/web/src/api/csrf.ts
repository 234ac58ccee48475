/**
 * The session's CSRF token. The server writes it into index.html (<meta name="csrf-token">), so the
 * first mutation costs no request; under Vite's dev server there is no such tag and it comes from
 * GET /dashboard/session instead (same-origin only: no CORS, so another site cannot read it).
 */
let cached: string | undefined;
let pending: Promise<string> | undefined;

export function forgetCsrfToken(): void {
  cached = undefined;
  pending = undefined;
  document.querySelector('meta[name="csrf-token"]')?.remove();
}

export async function csrfToken(): Promise<string> {
  if (cached) return cached;
  const meta = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content;
  if (meta) return (cached = meta);
  pending ??= fetch('/dashboard/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(async (res) => {
      const body = (await res.json().catch(() => ({}))) as { csrf_token?: unknown };
      if (!res.ok || typeof body.csrf_token !== 'string') throw new Error('not signed in');
      return (cached = body.csrf_token);
    })
    .finally(() => {
      pending = undefined;
    });
  return pending;
}
