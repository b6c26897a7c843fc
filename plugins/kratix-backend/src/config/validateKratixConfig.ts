import type { Config } from '@backstage/config';

/**
 * The keys of `kratix` and what each may hold: `true` for a leaf read
 * (and type-checked) by its own reader, a nested map for a section whose
 * keys are known. Sections owned by other packages (the catalog and
 * scaffolder modules) are theirs to check.
 */
type Shape = { [key: string]: true | Shape };

const SHAPE: Shape = {
  bootstrap: true,
  changeFeed: { retention: true, compactEvery: true },
  engine: {
    concurrency: {
      promise: true,
      resource: true,
      work: true,
      placement: true,
      destination: true,
    },
  },
  records: {
    pipelineRuns: { perObject: true, logBytesPerContainer: true },
    events: { ttl: true, perObject: true },
  },
  secrets: true,
  filesystemStateStore: { rootDir: true },
  pipelines: {
    images: true,
    timeout: true,
    maxLogBytes: true,
    bwrapPath: true,
  },
  policy: { denyRequests: true },
  catalog: true,
  scaffolder: true,
};

function unknownKeys(config: Config, shape: Shape, prefix: string): string[] {
  const problems: string[] = [];
  for (const key of config.keys()) {
    const path = `${prefix}.${key}`;
    const expected = shape[key];
    if (expected === undefined) {
      problems.push(
        `${path} is not a Kratix setting (known under ${prefix}: ${Object.keys(
          shape,
        ).join(', ')})`,
      );
    } else if (expected !== true) {
      const section = config.getOptional(key);
      if (
        section === null ||
        typeof section !== 'object' ||
        Array.isArray(section)
      ) {
        problems.push(`${path} must be a map, got ${JSON.stringify(section)}`);
      } else {
        problems.push(...unknownKeys(config.getConfig(key), expected, path));
      }
    }
  }
  return problems;
}

/** Runs a typed read; its error (which names the key) becomes a problem. */
function read(problems: string[], fn: () => void) {
  try {
    fn();
  } catch (error) {
    problems.push((error as Error).message);
  }
}

/**
 * Checks the `kratix` section at start, so a typo or a wrong type fails
 * the backend with a message naming the key rather than later, or never.
 * Throws one Error listing every problem.
 */
export function validateKratixConfig(config: Config) {
  if (!config.has('kratix')) return;
  const problems: string[] = [];
  const raw = config.getOptional('kratix');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`Invalid config: kratix must be a map`);
  }
  const kratix = config.getConfig('kratix');
  problems.push(...unknownKeys(kratix, SHAPE, 'kratix'));
  read(problems, () => config.getOptionalStringArray('kratix.bootstrap'));
  for (const controller of [
    'promise',
    'resource',
    'work',
    'placement',
    'destination',
  ]) {
    read(problems, () => {
      const key = `kratix.engine.concurrency.${controller}`;
      const n = config.getOptionalNumber(key);
      if (n !== undefined && !(Number.isInteger(n) && n > 0)) {
        throw new Error(`${key} must be a positive integer, got ${n}`);
      }
    });
  }
  read(problems, () =>
    config.getOptionalString('kratix.filesystemStateStore.rootDir'),
  );
  read(problems, () => config.getOptionalString('kratix.pipelines.bwrapPath'));
  read(problems, () =>
    config.getOptionalNumber('kratix.pipelines.maxLogBytes'),
  );
  read(problems, () =>
    config.getOptionalStringArray('kratix.policy.denyRequests'),
  );
  read(problems, () => {
    const secrets = config.getOptionalConfigArray('kratix.secrets') ?? [];
    secrets.forEach((secret, i) => {
      const at = `kratix.secrets[${i}]`;
      if (typeof secret.getOptional('name') !== 'string') {
        throw new Error(`${at}.name is required and must be a string`);
      }
      const data = secret.getOptional('data');
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new Error(`${at}.data must be a map of key to value`);
      }
    });
  });
  if (problems.length > 0) {
    throw new Error(`Invalid Kratix configuration: ${problems.join('; ')}`);
  }
}
