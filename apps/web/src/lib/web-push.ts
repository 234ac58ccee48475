/**
 * The browser's side of Web Push: the service worker (public/sw.js) that makes the dashboard
 * installable and shows pushed requests, and subscribing this device with the server's VAPID key.
 * iOS and iPadOS offer push only to the dashboard added to the Home Screen and opened from there.
 */

/** Registers the service worker (scope: the whole dashboard); a browser without them works as before. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    // Not fatal: the dashboard works without it, only push and installation do not.
  });
}

/** Why this browser cannot get push notifications, or null when it can. */
export function pushUnsupported(): string | null {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    const ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
    return ios
      ? 'On iPhone and iPad, add Greenlight to the Home Screen first (Share → Add to Home Screen), then open it from there and turn notifications on.'
      : 'This browser cannot receive push notifications.';
  }
  if (!window.isSecureContext) return 'Push notifications need Greenlight to be served over HTTPS.';
  return null;
}

/** A name for this device, from its browser and system (shown in the list of devices). */
export function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'A browser';
  const system = /Android/.test(ua) ? 'Android' : /iPhone|iPad|iPod/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : null;
  const standalone = window.matchMedia?.('(display-mode: standalone)').matches ? ' (installed)' : '';
  return `${browser}${system ? ` on ${system}` : ''}${standalone}`;
}

const fromBase64url = (s: string): Uint8Array => {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
};

export interface BrowserSubscription {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}

/** Asks for permission and subscribes this browser with the server's key (an earlier subscription made with another key is replaced). */
export async function subscribeThisDevice(publicKey: string): Promise<BrowserSubscription> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error('Notifications are blocked for Greenlight in this browser: allow them in its site settings, then try again.');
  const registration = await navigator.serviceWorker.ready;
  const key = fromBase64url(publicKey);
  const existing = await registration.pushManager.getSubscription();
  if (existing) {
    const same = existing.options.applicationServerKey && new Uint8Array(existing.options.applicationServerKey).every((b, i) => b === key[i]);
    if (same) return existing.toJSON() as BrowserSubscription;
    await existing.unsubscribe();
  }
  const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key as BufferSource });
  return sub.toJSON() as BrowserSubscription;
}
