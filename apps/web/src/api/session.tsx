import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, onApiError, type ApiOutput } from './client.ts';

export type Me = ApiOutput<'getMe'>;
export type SignedInUser = NonNullable<Me['user']>;

interface Session {
  /** null until GET /api/v1/me answers; pages start their own requests meanwhile (no waterfall). */
  me: Me | null;
  emergencyStop: boolean;
  setEmergencyStop(on: boolean): void;
  reload(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function signInAgain(): void {
  const back = window.location.pathname + window.location.search;
  window.location.assign(`/sign-in?return_to=${encodeURIComponent(back)}`);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [stop, setStopState] = useState(false);
  // Counts what the page learned of the stop (a live event, a refusal). A read of the org that was
  // sent before the latest of them answers older news: it must not turn the banner back.
  const stopNews = useRef(0);
  const setStop = useCallback((on: boolean) => {
    stopNews.current += 1;
    setStopState(on);
  }, []);

  const reload = useCallback(async () => {
    const sentAt = stopNews.current;
    const next = await api('getMe', {});
    setMe(next);
    if (stopNews.current === sentAt) setStopState(next.org.emergency_stop);
  }, []);

  useEffect(() => {
    reload().catch(() => undefined);
    // Another admin may flip the stop: look again when the person comes back to the tab.
    const onFocus = () => void reload().catch(() => undefined);
    window.addEventListener('focus', onFocus);
    const off = onApiError((err) => {
      if (err.code === 'UNAUTHORIZED') signInAgain();
      if (err.code === 'EMERGENCY_STOP') setStop(true);
    });
    return () => {
      window.removeEventListener('focus', onFocus);
      off();
    };
  }, [reload, setStop]);

  const value = useMemo<Session>(() => ({ me, emergencyStop: stop, setEmergencyStop: setStop, reload }), [me, stop, setStop, reload]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
