import type { LoggerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import type { ChangeFeed } from './ChangeFeed';

const DEFAULT_RETENTION_MS = 15 * 60 * 1000;

function durationMs(config: Config, key: string, fallback: number): number {
  return config.has(key)
    ? durationToMilliseconds(readDurationFromConfig(config, { key }))
    : fallback;
}

/**
 * Drops change feed rows older than `kratix.changeFeed.retention` (default
 * 15 minutes): watchers further behind relist, as with kube-apiserver's
 * compaction. Every replica may run it; running it twice is harmless.
 */
export function compactPeriodically(
  feed: ChangeFeed,
  config: Config,
  logger: LoggerService,
): () => void {
  const retention = durationMs(
    config,
    'kratix.changeFeed.retention',
    DEFAULT_RETENTION_MS,
  );
  const every = durationMs(
    config,
    'kratix.changeFeed.compactEvery',
    Math.min(retention, 60_000),
  );
  const timer = setInterval(() => {
    feed
      .compact(retention)
      .catch(error =>
        logger.warn(`could not compact the kratix change feed: ${error}`),
      );
  }, every);
  timer.unref?.();
  return () => clearInterval(timer);
}
