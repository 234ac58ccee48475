/**
 * Greenlight's service worker: it makes the dashboard installable and shows what Greenlight pushes
 * (apps/server/src/channels/webpush: a request the person is asked to decide, encrypted for this
 * device). A notification carries Approve / Reject actions where the platform shows actions; choosing
 * one POSTs that action's single-use token to Greenlight, which decides through the same rules as
 * the API and answers what happened, shown as a new notification. A tap on the notification itself
 * (and every platform without actions, such as iOS) opens the request's page. Nothing here decides
 * on a GET, and nothing is fetched for a notification's preview.
 *
 * The functions are also on `self.greenlight`, so a browser test can call the handler the
 * notificationclick listener calls (a synthetic event cannot be kept alive with waitUntil).
 */
/* global self */

const ICON = '/icons/icon-192.png';

self.addEventListener('install', () => {
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

/** A path of this origin, or null: a payload never sends the worker elsewhere. */
function sameOrigin(path) {
  try {
    const url = new URL(path, self.location.origin);
    return url.origin === self.location.origin ? url.href : null;
  } catch {
    return null;
  }
}

/** Shows a pushed message (PushMessageData, or anything with json()). */
async function showPushed(data) {
  let p = null;
  try {
    p = data ? data.json() : null;
  } catch {
    p = null;
  }
  if (!p || p.v !== 1 || typeof p.title !== 'string') {
    return self.registration.showNotification('Greenlight', { body: 'Something waits for you in Greenlight.', icon: ICON, data: { url: '/' } });
  }
  const actions = Array.isArray(p.actions) ? p.actions : [];
  return self.registration.showNotification(p.title, {
    body: p.body,
    tag: p.tag,
    renotify: true,
    requireInteraction: actions.length > 0,
    icon: ICON,
    data: p,
    actions: actions.map((a) => ({ action: a.action, title: a.title })),
  });
}

/** POSTs an action's token; never throws: what came back, in words for the person. */
async function postDecision(decideUrl, token) {
  const url = sameOrigin(decideUrl);
  if (!url) return { ok: false, code: 'BAD_PAYLOAD', message: 'Nothing was decided: open the request in Greenlight.' };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token }),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    const body = await res.json().catch(() => null);
    if (res.ok && body && body.decided) return { ok: true, status: body.status, message: body.message };
    const error = body && body.error ? body.error : null;
    return { ok: false, code: error ? error.code : String(res.status), message: error ? error.message : `Greenlight answered ${res.status}: nothing was decided.` };
  } catch {
    return { ok: false, code: 'OFFLINE', message: 'Greenlight could not be reached: nothing was decided. Open the request to decide.' };
  }
}

/**
 * Focuses a window already on `path`, or opens one; the page it went for. A browser lets a worker do
 * this only while a click on its notification is handled: anywhere else it is refused, and that is said.
 */
async function openPage(path) {
  const target = sameOrigin(path || '/') || self.location.origin + '/';
  try {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((w) => w.url === target && 'focus' in w);
    await (open ? open.focus() : self.clients.openWindow(target));
    return { url: target, refused: null };
  } catch (err) {
    return { url: target, refused: String(err && err.message ? err.message : err) };
  }
}

/**
 * What a click does: an action (`approve`, `reject`) posts its token and shows the answer; the body of
 * the notification, or an action the payload has no token for, opens the request's page. A request
 * that needs a passkey (STEP_UP_REQUIRED) is opened to be decided there.
 */
async function handleClick(data, action) {
  const p = data || {};
  const chosen = action && Array.isArray(p.actions) ? p.actions.find((a) => a.action === action) : undefined;
  if (!chosen) return { ok: false, opened: await openPage(p.url) };
  const result = await postDecision(p.decide_url, chosen.token);
  await self.registration.showNotification(result.ok ? result.message : 'Nothing was decided', {
    body: result.ok ? p.title : result.message,
    tag: p.tag,
    icon: ICON,
    data: { url: p.url },
  });
  if (!result.ok && result.code === 'STEP_UP_REQUIRED') await openPage(p.url);
  return result;
}

self.addEventListener('push', (event) => {
  event.waitUntil(showPushed(event.data));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(handleClick(event.notification.data, event.action));
});

self.greenlight = { showPushed, postDecision, handleClick };
