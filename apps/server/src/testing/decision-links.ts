/**
 * A decision link used as a person's browser uses it: the GET of its confirmation page (which sets
 * the page's cookie and puts the per-render CSRF value in the form), then the POST of that form.
 */
import supertest from 'supertest';

export interface ConfirmationForm {
  token: string;
  /** The page's cookie as a browser sends it back (`name=value`). */
  cookie: string;
  csrf: string;
  /** The form's POST, with the cookie; `fields` add to or override the form's own fields. */
  submit(fields?: Record<string, string>, options?: { cookie?: string | null }): supertest.Test;
}

/** The path of a decision link (`/decide/<token>`) from an email's plain-text part. */
export const linkIn = (text: string, label: 'Approve' | 'Reject'): string => new URL(new RegExp(`${label}: (\\S+)`).exec(text)![1]!).pathname;

/** Opens the link's confirmation page and reads its form; fails when the page shows none. */
export async function confirmationForm(serverUrl: string, path: string): Promise<ConfirmationForm> {
  const page = await supertest(serverUrl).get(path);
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.text)?.[1];
  const token = field('token');
  const csrf = field('csrf');
  const setCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? [])[0];
  if (page.status !== 200 || !token || !csrf || !setCookie) throw new Error(`no confirmation form at ${path} (${page.status}): ${page.text.slice(0, 300)}`);
  const cookie = setCookie.split(';')[0]!;
  return {
    token,
    cookie,
    csrf,
    submit(fields = {}, options = {}) {
      const post = supertest(serverUrl).post('/decide').type('form');
      const sent = options.cookie === undefined ? cookie : options.cookie;
      return (sent === null ? post : post.set('Cookie', sent)).send({ token, csrf, ...fields });
    },
  };
}
