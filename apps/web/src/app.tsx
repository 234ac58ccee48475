import { useEffect, useRef } from 'react';
import { LiveProvider, useLiveEvents, useLiveState } from './api/live.tsx';
import { SessionProvider, useSession } from './api/session.tsx';
import { handleLinkClick, parseRoute, useLocation, type Route } from './lib/router.ts';
import { ConnectionsPage } from './pages/connections.tsx';
import { InboxPage } from './pages/inbox.tsx';
import { RequestPage } from './pages/request-page.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';
import { AuditLogPage } from './pages/audit-log.tsx';
import { TeamsPage } from './pages/teams.tsx';
import { NotificationsPage } from './pages/notifications.tsx';
import { RoutingRulesPage } from './pages/routing-rules.tsx';
import { PoliciesPage } from './pages/policies.tsx';
import { GrantsPage } from './pages/grants.tsx';
import { FlowsPage } from './pages/flows.tsx';
import { csrfToken } from './api/csrf.ts';

const NAV: { route: Route['name']; href: string; label: string; adminOnly?: boolean }[] = [
  { route: 'inbox', href: '/', label: 'Inbox' },
  { route: 'connections', href: '/connections', label: 'Connections' },
  { route: 'webhooks', href: '/webhooks', label: 'Webhooks' },
  { route: 'teams', href: '/teams', label: 'Teams' },
  { route: 'notifications', href: '/notifications', label: 'Notifications' },
  { route: 'routing', href: '/routing', label: 'Routing' },
  { route: 'policies', href: '/policies', label: 'Policies' },
  { route: 'grants', href: '/grants', label: 'Grants' },
  { route: 'flows', href: '/flows', label: 'Flows' },
  { route: 'settings', href: '/settings', label: 'Organization' },
  { route: 'audit-log', href: '/audit-log', label: 'Audit log', adminOnly: true },
];

export function App() {
  return (
    <SessionProvider>
      <LiveProvider>
        <Shell />
      </LiveProvider>
    </SessionProvider>
  );
}

function Shell() {
  const location = useLocation();
  const route = parseRoute(location.pathname);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After an in-app navigation, focus goes to the new page (as a full page load would), not the old link.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <StopBanner />
      <TopBar current={route.name} />
      <main id="main" className="content" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'inbox':
      return <InboxPage />;
    case 'request':
      return <RequestPage key={route.id} id={route.id} />;
    case 'connections':
      return <ConnectionsPage />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'settings':
      return <SettingsPage />;
    case 'audit-log':
      return <AuditLogPage />;
    case 'teams':
      return <TeamsPage />;
    case 'notifications':
      return <NotificationsPage />;
    case 'routing':
      return <RoutingRulesPage />;
    case 'policies':
      return <PoliciesPage />;
    case 'grants':
      return <GrantsPage />;
    case 'flows':
      return <FlowsPage />;
    case 'not-found':
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no such page.{' '}
            <a href="/" onClick={handleLinkClick}>
              Back to the inbox
            </a>
          </p>
        </>
      );
  }
}

/**
 * Shown while the org's emergency stop is on, in every open tab: whoever turns it on or off (another
 * admin, the CLI), its event comes down the live stream. When the stream (re)opens, the org is read
 * again, so a change made before the stream began is not missed either.
 */
function StopBanner() {
  const { emergencyStop, setEmergencyStop, reload } = useSession();
  const live = useLiveState();
  useLiveEvents((e) => {
    if (e.type === 'emergency_stop.changed') setEmergencyStop(e.data.details.emergency_stop === true);
  });
  useEffect(() => {
    if (live === 'open') reload().catch(() => undefined);
  }, [live, reload]);
  if (!emergencyStop) return null;
  return (
    <div className="banner stop" role="alert" data-testid="emergency-banner">
      Emergency stop is on: no approval request can be created, approved, rejected or cancelled.{' '}
      <a href="/settings" onClick={handleLinkClick} style={{ color: '#fff' }}>
        Organization settings
      </a>
    </div>
  );
}

function TopBar({ current }: { current: Route['name'] }) {
  const { me } = useSession();
  const live = useLiveState();
  const active = current === 'request' ? 'inbox' : current;
  return (
    <header className="topbar">
      <a className="brand" href="/" onClick={handleLinkClick}>
        Greenlight
      </a>
      <nav aria-label="Main">
        <ul>
          {NAV.filter((n) => !n.adminOnly || me?.user?.role === 'admin').map((n) => (
            <li key={n.route}>
              <a href={n.href} onClick={handleLinkClick} aria-current={active === n.route ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <span className="who">
        <span className="live-dot" data-state={live} aria-hidden="true" />
        <span className="visually-hidden">Live updates: </span>
        <span data-testid="live-state">{live === 'open' ? 'live' : live === 'connecting' ? 'connecting…' : 'offline'}</span>
        {me?.user && (
          <>
            {' · '}
            {me.user.email} · {me.org.name} <SignOutButton />
          </>
        )}
      </span>
    </header>
  );
}

/** Ends this session on the server (not only the cookie), then goes to the sign-in page. */
function SignOutButton() {
  return (
    <button
      type="button"
      className="link"
      data-testid="sign-out"
      onClick={async () => {
        await fetch('/sign-out', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': await csrfToken() } });
        window.location.assign('/sign-in');
      }}
    >
      Sign out
    </button>
  );
}
