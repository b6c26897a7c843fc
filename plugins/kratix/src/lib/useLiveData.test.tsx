import { ReactNode } from 'react';
import { act, renderHook } from '@testing-library/react';
import { TestApiProvider } from '@backstage/test-utils';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { TestSignals } from '../__testUtils__/render';
import { anyOf, KRATIX_CHANNEL, POLL_INTERVAL_MS, useLiveData } from './useLiveData';

function render(load: () => Promise<number>, signals?: TestSignals) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={(signals ? [[signalApiRef, signals]] : []) as any}>{children}</TestApiProvider>
  );
  return renderHook(() => useLiveData(load, [], anyOf('platform.kratix.io/Destination')), { wrapper });
}

describe('useLiveData', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('polls slowly when the Signals API is not installed', async () => {
    const load = jest.fn(async () => 1);
    render(load);
    await act(async () => {});
    expect(load).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS);
    });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('reloads on a signal naming a kind it shows, and does not poll', async () => {
    const signals = new TestSignals();
    let n = 0;
    const load = jest.fn(async () => ++n);
    const { result } = render(load, signals);
    await act(async () => {});
    expect(result.current.value).toBe(1);

    await act(async () => {
      jest.advanceTimersByTime(3 * POLL_INTERVAL_MS);
    });
    expect(load).toHaveBeenCalledTimes(1);

    await act(async () => {
      signals.publish(KRATIX_CHANNEL, { resourceVersion: '7', kinds: ['platform.kratix.io/Work'] });
    });
    expect(load).toHaveBeenCalledTimes(1);

    await act(async () => {
      signals.publish(KRATIX_CHANNEL, { resourceVersion: '8', kinds: ['platform.kratix.io/Destination'] });
    });
    expect(load).toHaveBeenCalledTimes(2);
    expect(result.current.value).toBe(2);
  });
});
