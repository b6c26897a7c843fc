import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import type { ControllerManagerOptions } from './ControllerManager';

/**
 * `kratix.records`: how many pipeline runs and events the engine keeps.
 *
 *   kratix:
 *     records:
 *       pipelineRuns: { perObject: 10, logBytesPerContainer: 65536 }
 *       events: { ttl: { hours: 1 }, perObject: 50 }
 */
export function recordLimitsFromConfig(
  config: Config,
): ControllerManagerOptions['records'] {
  const runs = config.getOptionalConfig('kratix.records.pipelineRuns');
  const events = config.getOptionalConfig('kratix.records.events');
  const positive = (c: Config | undefined, key: string) => {
    const value = c?.getOptionalNumber(key);
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new Error(
        `Invalid config: kratix.records...${key} must be a positive integer, not ${value}`,
      );
    }
    return value;
  };
  const ttl = events?.has('ttl')
    ? durationToMilliseconds(readDurationFromConfig(events, { key: 'ttl' }))
    : undefined;
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(
      Object.entries(o).filter(([, v]) => v !== undefined),
    ) as Partial<T>;
  return {
    pipelineRuns: defined({
      runsPerObject: positive(runs, 'perObject'),
      logBytesPerContainer: positive(runs, 'logBytesPerContainer'),
    }),
    events: defined({ ttlMs: ttl, perObject: positive(events, 'perObject') }),
  };
}
