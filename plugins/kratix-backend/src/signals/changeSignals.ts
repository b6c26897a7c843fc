import { parseApiVersion } from '@kratix-backstage/plugin-kratix-common';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';
import type { ObjectChange } from '../store/types';

/** The channel pages listen on (`useSignal('kratix:changes')`). */
export const CHANGES_SIGNAL_CHANNEL = 'kratix:changes';

/** What a page is told: which kinds changed, up to which version. */
export interface ChangesSignal {
  [key: string]: string | string[];
  resourceVersion: string;
  /** `<group>/<Kind>`, e.g. `platform.kratix.io/Destination`. */
  kinds: string[];
}

function kindOf(change: ObjectChange): string {
  const { apiVersion, kind } = change.object;
  return `${parseApiVersion(apiVersion).group}/${kind}`;
}

/**
 * Turns the change feed into "changed" hints for the browser: a hint names
 * kinds, never objects, so it carries nothing a reader may not see, and
 * the page refetches through the API, where permissions apply. Changes are
 * gathered for `batchMs` so a burst of writes is one refetch, not
 * thousands.
 */
export function publishChangeSignals(options: {
  onChange: (listener: (change: ObjectChange) => void) => () => void;
  signals: SignalsService;
  logger: LoggerService;
  batchMs?: number;
}): () => void {
  const { signals, logger, batchMs = 250 } = options;
  let kinds = new Set<string>();
  let resourceVersion = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    timer = undefined;
    const message: ChangesSignal = {
      resourceVersion: String(resourceVersion),
      kinds: [...kinds].sort(),
    };
    kinds = new Set();
    signals
      .publish({
        recipients: { type: 'broadcast' },
        channel: CHANGES_SIGNAL_CHANNEL,
        message,
      })
      .catch(error =>
        logger.warn(`could not publish the kratix changes signal: ${error}`),
      );
  };

  const unsubscribe = options.onChange(change => {
    kinds.add(kindOf(change));
    resourceVersion = Math.max(resourceVersion, change.resourceVersion ?? 0);
    timer ??= setTimeout(flush, batchMs);
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
}
