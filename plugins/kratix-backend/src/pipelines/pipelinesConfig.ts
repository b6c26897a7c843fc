import { Config, readDurationFromConfig } from '@backstage/config';
import path from 'node:path';

/** How one container image is run locally: the image's entry point. */
export interface ImageMapping {
  command: string[];
}

export interface BubblewrapPipelineRunnerOptions {
  /** Image reference (as written in the Promise) to local entry point. */
  images: Record<string, ImageMapping>;
  timeoutMs: number;
  maxLogBytes: number;
  bwrapPath?: string;
}

export const DEFAULT_PIPELINE_TIMEOUT_MS = 5 * 60 * 1000;
export const DEFAULT_MAX_LOG_BYTES = 256 * 1024;

const IMAGES_KEY = 'kratix.pipelines.images';
const TIMEOUT_KEY = 'kratix.pipelines.timeout';

/**
 * Reads `kratix.pipelines`:
 *
 * ```yaml
 * kratix:
 *   pipelines:
 *     timeout: { minutes: 5 }      # or '5m', 'PT5M', or 300 (seconds)
 *     maxLogBytes: 262144          # optional
 *     bwrapPath: /usr/bin/bwrap    # optional
 *     images:
 *       ghcr.io/example/configure:v1: ./pipelines/configure/run
 *       ghcr.io/example/other:v2: { command: [/usr/bin/node, /opt/other.js] }
 * ```
 */
export function readPipelinesConfig(
  config: Config,
  cwd: string = process.cwd(),
): BubblewrapPipelineRunnerOptions {
  return {
    images: readImages(config, cwd),
    timeoutMs: readTimeoutMs(config),
    maxLogBytes:
      config.getOptionalNumber('kratix.pipelines.maxLogBytes') ??
      DEFAULT_MAX_LOG_BYTES,
    bwrapPath: config.getOptionalString('kratix.pipelines.bwrapPath'),
  };
}

function readImages(config: Config, cwd: string): Record<string, ImageMapping> {
  // Image references contain '.', '/' and ':', which Backstage config keys may
  // not, so the map is read as one raw value instead of key by key.
  const raw = config.getOptional(IMAGES_KEY);
  if (raw === undefined) {
    return {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${IMAGES_KEY} must be a map of image to executable`);
  }
  const images: Record<string, ImageMapping> = {};
  for (const [image, value] of Object.entries(raw)) {
    images[image] = { command: readCommand(image, value, cwd) };
  }
  return images;
}

function readCommand(image: string, value: unknown, cwd: string): string[] {
  const where = `${IMAGES_KEY}["${image}"]`;
  let command: unknown;
  if (typeof value === 'string') {
    command = [value];
  } else if (typeof value === 'object' && value !== null) {
    command = (value as { command?: unknown }).command;
  }
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    !command.every(part => typeof part === 'string' && part !== '')
  ) {
    throw new Error(
      `${where} must be a path to an executable or { command: [executable, ...args] }`,
    );
  }
  const [executable, ...rest] = command as string[];
  // A bare name ('bash') is looked up on the sandbox's PATH; anything that
  // looks like a path is pinned now so the working directory of the backend
  // at run time does not matter.
  const pinned = executable.includes('/')
    ? path.resolve(cwd, executable)
    : executable;
  return [pinned, ...rest];
}

function readTimeoutMs(config: Config): number {
  if (!config.has(TIMEOUT_KEY)) {
    return DEFAULT_PIPELINE_TIMEOUT_MS;
  }
  const value = config.getOptional(TIMEOUT_KEY);
  const ms =
    typeof value === 'number'
      ? value * 1000
      : humanDurationToMs(readDurationFromConfig(config, { key: TIMEOUT_KEY }));
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new Error(`${TIMEOUT_KEY} must be a positive duration`);
  }
  return ms;
}

type HumanDuration = ReturnType<typeof readDurationFromConfig>;

const MS_PER_UNIT: Record<keyof HumanDuration, number> = {
  milliseconds: 1,
  seconds: 1000,
  minutes: 60 * 1000,
  hours: 60 * 60 * 1000,
  days: 24 * 60 * 60 * 1000,
  weeks: 7 * 24 * 60 * 60 * 1000,
  months: 30 * 24 * 60 * 60 * 1000,
  years: 365 * 24 * 60 * 60 * 1000,
};

function humanDurationToMs(duration: HumanDuration): number {
  return Object.entries(duration).reduce(
    (total, [unit, amount]) =>
      total + (amount ?? 0) * MS_PER_UNIT[unit as keyof HumanDuration],
    0,
  );
}
