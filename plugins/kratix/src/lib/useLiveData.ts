import { DependencyList, useCallback, useEffect, useRef } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useSignal } from '@backstage/plugin-signals-react';

/** The backend's change hint on the `kratix:changes` channel. */
export interface KratixChangeMessage {
  [key: string]: string | string[];
  resourceVersion: string;
  /** `<group>/<Kind>`, e.g. `platform.kratix.io/Destination`. */
  kinds: string[];
}

export const KRATIX_CHANNEL = 'kratix:changes';
/** Only where Signals are not installed; a signal is the normal path. */
export const POLL_INTERVAL_MS = 10_000;
/**
 * After the user changed something, the engine reconciles within seconds; a
 * few extra reloads show the outcome even where no change hint arrives.
 */
const AFTER_CHANGE_MS = [1_000, 3_000, 8_000];

/**
 * Loads data and reloads it when the backend says one of `kinds` changed
 * (any kind when omitted). The previous value stays visible while reloading,
 * so live updates do not flash a spinner.
 */
export function useLiveData<T>(
  load: () => Promise<T>,
  deps: DependencyList,
  kinds?: (kind: string) => boolean,
) {
  const state = useAsyncRetry(load, deps);
  const retry = useRef(state.retry);
  retry.current = state.retry;
  const kindsRef = useRef(kinds);
  kindsRef.current = kinds;

  const { lastSignal, isSignalsAvailable } =
    useSignal<KratixChangeMessage>(KRATIX_CHANNEL);

  useEffect(() => {
    if (!lastSignal) return;
    const filter = kindsRef.current;
    const changed = Array.isArray(lastSignal.kinds) ? lastSignal.kinds : [];
    if (!filter || changed.length === 0 || changed.some(filter))
      retry.current();
  }, [lastSignal]);

  useEffect(() => {
    if (isSignalsAvailable) return undefined;
    const timer = setInterval(() => retry.current(), POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [isSignalsAvailable]);

  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  const refreshAfterChange = useCallback(() => {
    timers.current.forEach(clearTimeout);
    retry.current();
    timers.current = AFTER_CHANGE_MS.map(ms => setTimeout(() => retry.current(), ms));
  }, []);

  return { ...state, refreshAfterChange };
}

/** A kinds filter for `useLiveData`: true for any of the given `<group>/<Kind>`s. */
export function anyOf(...kinds: string[]): (kind: string) => boolean {
  const wanted = new Set(kinds.map(k => k.toLowerCase()));
  return kind => wanted.has(kind.toLowerCase());
}
