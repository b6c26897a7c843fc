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
  it('publishes one broadcast per burst naming the kinds that changed and the newest version', async () => {
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
    await new Promise(r => setTimeout(r, 60));
    emit(change('v1', 'Event', 10));
    await new Promise(r => setTimeout(r, 60));
    stop();

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
