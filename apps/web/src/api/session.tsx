import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
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
  const [stop, setStop] = useState(false);

  const reload = useCallback(async () => {
    const next = await api('getMe', {});
    setMe(next);
    setStop(next.org.emergency_stop);
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
  }, [reload]);

  const value = useMemo<Session>(() => ({ me, emergencyStop: stop, setEmergencyStop: setStop, reload }), [me, stop, reload]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
