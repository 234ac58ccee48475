import { useSyncExternalStore, type MouseEvent } from 'react';

/** A few routes and the History API are all the dashboard needs; the server answers every one with index.html. */
export type Route =
  | { name: 'inbox' }
  | { name: 'request'; id: string }
  | { name: 'connections' }
  | { name: 'webhooks' }
  | { name: 'settings' }
  | { name: 'audit-log' }
  | { name: 'teams' }
  | { name: 'notifications' }
  | { name: 'routing' }
  | { name: 'policies' }
  | { name: 'grants' }
  | { name: 'flows' }
  | { name: 'not-found' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '/inbox') return { name: 'inbox' };
  const request = /^\/requests\/([0-9a-fA-F-]{36})\/?$/.exec(pathname);
  if (request) return { name: 'request', id: request[1]!.toLowerCase() };
  if (pathname === '/connections') return { name: 'connections' };
  if (pathname === '/webhooks') return { name: 'webhooks' };
  if (pathname === '/settings') return { name: 'settings' };
  if (pathname === '/audit-log') return { name: 'audit-log' };
  if (pathname === '/teams') return { name: 'teams' };
  if (pathname === '/notifications') return { name: 'notifications' };
  if (pathname === '/routing') return { name: 'routing' };
  if (pathname === '/policies') return { name: 'policies' };
  if (pathname === '/grants') return { name: 'grants' };
  if (pathname === '/flows') return { name: 'flows' };
  return { name: 'not-found' };
}

const subscribers = new Set<() => void>();
const notify = () => subscribers.forEach((s) => s());
window.addEventListener('popstate', notify);

function subscribe(cb: () => void) {
  subscribers.add(cb);
  return () => subscribers.delete(cb);
}

const snapshot = () => window.location.pathname + window.location.search;

/** The current path and query string; re-renders on navigation. */
export function useLocation(): URL {
  const href = useSyncExternalStore(subscribe, snapshot);
  return new URL(href, window.location.origin);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

/** For <a href> clicks: plain left clicks stay in the app; modified clicks open tabs as usual. */
export function handleLinkClick(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = event.currentTarget.getAttribute('href');
  if (!href?.startsWith('/') || event.currentTarget.target) return;
  event.preventDefault();
  navigate(href);
  window.scrollTo(0, 0);
}
