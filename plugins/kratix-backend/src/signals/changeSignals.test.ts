import { mockServices } from '@backstage/backend-test-utils';
import type { SignalPayload } from '@backstage/plugin-signals-node';
import type { ObjectChange } from '../store/types';
import { CHANGES_SIGNAL_CHANNEL, publishChangeSignals } from './changeSignals';

function change(apiVersion: string, kind: string, rv: number): ObjectChange {
  return {
    type: 'MODIFIED',
    object: { apiVersion, kind, metadata: { name: `${kind}-${rv}` } },
    resourceVersion: rv,
  };
}

describe('publishChangeSignals', () => {
  // Batching is pure timing: the clock is moved, not waited for.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('publishes one broadcast per burst naming the kinds that changed and the newest version', () => {
    const published: SignalPayload[] = [];
    let emit: (c: ObjectChange) => void = () => {};
    const stop = publishChangeSignals({
      onChange: listener => {
        emit = listener;
        return () => {};
      },
      signals: { publish: async s => void published.push(s as SignalPayload) },
      logger: mockServices.logger.mock(),
      batchMs: 20,
    });

    emit(change('platform.kratix.io/v1alpha1', 'Destination', 7));
    emit(change('marketplace.kratix.io/v1alpha1', 'elastic-cloud', 9));
    emit(change('platform.kratix.io/v1alpha1', 'Destination', 8));
    jest.advanceTimersByTime(19);
    expect(published).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(published).toHaveLength(1);
    emit(change('v1', 'Event', 10));
    jest.advanceTimersByTime(20);
    emit(change('v1', 'Event', 11));
    stop();
    // Stopped before its batch was due: the last change is never published.
    jest.advanceTimersByTime(100);

    expect(published).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: CHANGES_SIGNAL_CHANNEL,
        message: {
          resourceVersion: '9',
          kinds: [
            'marketplace.kratix.io/elastic-cloud',
            'platform.kratix.io/Destination',
          ],
        },
      },
      {
        recipients: { type: 'broadcast' },
        channel: CHANGES_SIGNAL_CHANNEL,
        message: { resourceVersion: '10', kinds: ['/Event'] },
      },
    ]);
  });
});
