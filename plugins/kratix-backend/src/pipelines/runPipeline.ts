import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ContainerSpec,
  DestinationSelectorsError,
  KubeObject,
  parseDestinationSelectorsFile,
  PipelineObject,
  WorkloadGroup,
} from '@kratix-backstage/plugin-kratix-common';
import {
  InProcessPipeline,
  PipelineRunner,
} from '@kratix-backstage/plugin-kratix-node';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { capturingLogger } from './capturingLogger';
import { lastLines, LogTail } from './logTail';
import {
  DEFAULT_OUTPUT_LIMITS,
  OutputLimits,
  PipelineOutputError,
  readMetadataFile,
  readOutputTree,
} from './outputTree';
import { buildWorkloadGroups, WorkflowSelectorSource } from './workloadGroups';

export type PipelineFailureReason =
  | 'ImageNotMapped'
  | 'InvalidPipeline'
  | 'ContainerFailed'
  | 'Timeout'
  | 'Aborted'
  | 'InvalidOutput'
  | 'OutputTooLarge'
  | 'InvalidDestinationSelectors'
  | 'InvalidStatus';

/** One container's run, as a Pod's container status would show it. */
export interface ContainerRun {
  name: string;
  image: string;
  startedAt: string;
  finishedAt: string;
  /** 0 on success; the process's code, or 1 when it did not get one. */
  exitCode: number;
  reason?: PipelineFailureReason;
  logs: string;
}

export type PipelineResult =
  | {
      ok: true;
      workloadGroups: WorkloadGroup[];
      /** `/kratix/metadata/status.yaml`, to merge into the object's status. */
      status?: Record<string, unknown>;
      workflowControl?: Record<string, unknown>;
      logs: string;
      containers: ContainerRun[];
    }
  | {
      ok: false;
      reason: PipelineFailureReason;
      message: string;
      logs: string;
      containers: ContainerRun[];
    };

export interface RunPipelineOptions {
  pipeline: PipelineObject;
  /** The Promise or resource request, written to `/kratix/input/object.yaml`. */
  object: KubeObject;
  /** The `KRATIX_*` variables (see `kratixEnv`). */
  env: Record<string, string>;
  /** Tried in order; the first that can run a container's image runs it. */
  runners: PipelineRunner[];
  /** In-process pipelines by image; they take precedence over runners. */
  inProcess: Map<string, InProcessPipeline>;
  logger: LoggerService;
  signal?: AbortSignal;
  /** Defaults from `KRATIX_WORKFLOW_TYPE` in `env`. */
  selectorSource?: WorkflowSelectorSource;
  limits?: Partial<OutputLimits>;
  /** Per in-process container; runners enforce their own timeouts. */
  inProcessTimeoutMs?: number;
}

const DEFAULT_IN_PROCESS_TIMEOUT_MS = 5 * 60 * 1000;
const LOG_TAIL_LINES = 20;
const MAX_IN_PROCESS_LOG_BYTES = 256 * 1024;

interface Dirs {
  input: string;
  output: string;
  metadata: string;
}

type Failure = Extract<PipelineResult, { ok: false }>;
type ContainerOutcome =
  | { ok: true; logs: string }
  | (Omit<Failure, 'ok' | 'containers'> & { ok: false; exitCode?: number });

/**
 * Runs one pipeline the way Kratix runs its Job: containers in order over
 * shared `/kratix` directories, then turns `/kratix/output` and
 * `/kratix/metadata` into workload groups, status and workflow control.
 */
export async function runPipeline(
  options: RunPipelineOptions,
): Promise<PipelineResult> {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kratix-pipeline-'));
  const dirs: Dirs = {
    input: path.join(workDir, 'input'),
    output: path.join(workDir, 'output'),
    metadata: path.join(workDir, 'metadata'),
  };
  const logs: string[] = [];
  const containers: ContainerRun[] = [];
  const fail = (
    reason: PipelineFailureReason,
    message: string,
  ): PipelineResult => ({
    ok: false,
    reason,
    message,
    logs: logs.join(''),
    containers,
  });

  try {
    await Promise.all(Object.values(dirs).map(dir => fs.mkdir(dir)));
    await fs.writeFile(
      path.join(dirs.input, 'object.yaml'),
      stringifyYaml(options.object),
    );

    for (const container of options.pipeline.spec.containers) {
      if (options.signal?.aborted) {
        return fail(
          'Aborted',
          `pipeline "${pipelineName(options)}" was aborted`,
        );
      }
      const startedAt = new Date().toISOString();
      const outcome = await runContainer(container, dirs, options);
      containers.push({
        name: container.name,
        image: container.image,
        startedAt,
        finishedAt: new Date().toISOString(),
        exitCode: outcome.ok ? 0 : outcome.exitCode ?? 1,
        ...(outcome.ok ? {} : { reason: outcome.reason }),
        logs: outcome.logs,
      });
      logs.push(`==> container "${container.name}" (${container.image})\n`);
      logs.push(ensureNewline(outcome.logs));
      if (!outcome.ok) {
        return fail(outcome.reason, outcome.message);
      }
    }

    const collected = await collect(dirs, options);
    return collected.ok
      ? { ...collected, logs: logs.join(''), containers }
      : fail(collected.reason, collected.message);
  } finally {
    await fs
      .rm(workDir, { recursive: true, force: true })
      .catch(error =>
        options.logger.warn(
          `cannot remove pipeline directory ${workDir}`,
          error,
        ),
      );
  }
}

async function runContainer(
  container: ContainerSpec,
  dirs: Dirs,
  options: RunPipelineOptions,
): Promise<ContainerOutcome> {
  const which = `container "${container.name}" of pipeline "${pipelineName(
    options,
  )}"`;
  const invalid = containerSpecProblem(container);
  if (invalid) {
    return {
      ok: false,
      reason: 'InvalidPipeline',
      message: `${which}: ${invalid}`,
      logs: '',
    };
  }
  // The KRATIX_* values win: they describe what is running, and a container
  // that redefines them would only confuse its own tooling.
  const env = { ...containerEnv(container), ...options.env };
  const logger = options.logger.child({ container: container.name });

  const inProcess = options.inProcess.get(container.image);
  if (inProcess) {
    return runInProcess(inProcess, which, env, dirs, options, logger);
  }

  const runner = options.runners.find(r => r.canRun(container));
  if (!runner) {
    return {
      ok: false,
      reason: 'ImageNotMapped',
      message: `no pipeline runner can run image "${container.image}" (${which}); map it in kratix.pipelines.images`,
      logs: '',
    };
  }

  const controller = linkedController(options.signal);
  try {
    const result = await runner.run({
      container,
      inputDir: dirs.input,
      outputDir: dirs.output,
      metadataDir: dirs.metadata,
      env,
      signal: controller.signal,
      logger,
    });
    const timedOut = result.timedOut === true;
    if (timedOut) {
      const limit = (result as { timeoutMs?: unknown }).timeoutMs;
      return failed(
        'Timeout',
        `${which} timed out${
          typeof limit === 'number' ? ` after ${formatDuration(limit)}` : ''
        }`,
        result.logs,
      );
    }
    if (options.signal?.aborted) {
      return failed('Aborted', `${which} was aborted`, result.logs);
    }
    if (result.exitCode !== 0) {
      return {
        ...(failed(
          'ContainerFailed',
          `${which} failed with exit code ${result.exitCode}`,
          result.logs,
        ) as Extract<ContainerOutcome, { ok: false }>),
        exitCode: result.exitCode,
      };
    }
    return { ok: true, logs: result.logs };
  } catch (error) {
    return failed(
      'ContainerFailed',
      `${which} could not be run: ${(error as Error).message}`,
      '',
    );
  } finally {
    controller.dispose();
  }
}

async function runInProcess(
  pipeline: InProcessPipeline,
  which: string,
  env: Record<string, string>,
  dirs: Dirs,
  options: RunPipelineOptions,
  logger: LoggerService,
): Promise<ContainerOutcome> {
  const tail = new LogTail(MAX_IN_PROCESS_LOG_BYTES);
  const controller = linkedController(options.signal);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.inProcessTimeoutMs ?? DEFAULT_IN_PROCESS_TIMEOUT_MS);
  try {
    // Raced against the signal: a pipeline that ignores it must not hold the
    // workflow forever.
    await untilAborted(
      pipeline.run({
        object: structuredClone(options.object),
        env,
        outputDir: dirs.output,
        metadataDir: dirs.metadata,
        signal: controller.signal,
        logger: capturingLogger(logger, tail),
      }),
      controller.signal,
    );
    return { ok: true, logs: tail.toString() };
  } catch (error) {
    if (timedOut) {
      return failed(
        'Timeout',
        `${which} timed out after ${formatDuration(
          options.inProcessTimeoutMs ?? DEFAULT_IN_PROCESS_TIMEOUT_MS,
        )}`,
        tail.toString(),
      );
    }
    if (options.signal?.aborted) {
      return failed('Aborted', `${which} was aborted`, tail.toString());
    }
    tail.write(`error: ${(error as Error).message}\n`);
    return failed('ContainerFailed', `${which} failed`, tail.toString());
  } finally {
    clearTimeout(timer);
    controller.dispose();
  }
}

type Collected =
  | Omit<Extract<PipelineResult, { ok: true }>, 'logs' | 'containers'>
  | Omit<Failure, 'logs' | 'containers'>;

async function collect(
  dirs: Dirs,
  options: RunPipelineOptions,
): Promise<Collected> {
  const limits = { ...DEFAULT_OUTPUT_LIMITS, ...options.limits };
  try {
    const tree = await readOutputTree(dirs.output, limits);

    const selectorsText = await readMetadataFile(
      dirs.metadata,
      'destination-selectors.yaml',
    );
    let selectors;
    try {
      selectors =
        selectorsText === undefined
          ? undefined
          : parseDestinationSelectorsFile(selectorsText, tree.topLevelDirs);
    } catch (error) {
      // The parser's messages already name the file, in Kratix's wording.
      return {
        ok: false,
        reason: 'InvalidDestinationSelectors',
        message:
          error instanceof DestinationSelectorsError
            ? error.message
            : `invalid destination-selectors.yaml: ${(error as Error).message}`,
      };
    }

    const status = await readYamlMap(dirs.metadata, 'status.yaml');
    const workflowControl = await readYamlMap(
      dirs.metadata,
      'workflow-control.yaml',
    );
    if (typeof status === 'string' || typeof workflowControl === 'string') {
      return {
        ok: false,
        reason: 'InvalidStatus',
        message: [status, workflowControl]
          .filter(m => typeof m === 'string')
          .join('; '),
      };
    }
    const badConditions = conditionsProblem(status);
    if (badConditions) {
      return { ok: false, reason: 'InvalidStatus', message: badConditions };
    }

    return {
      ok: true,
      workloadGroups: buildWorkloadGroups(
        tree.files,
        selectors,
        options.selectorSource ?? defaultSelectorSource(options.env),
      ),
      ...(status ? { status } : {}),
      ...(workflowControl ? { workflowControl } : {}),
    };
  } catch (error) {
    if (error instanceof PipelineOutputError) {
      return { ok: false, reason: error.reason, message: error.message };
    }
    return {
      ok: false,
      reason: 'InvalidOutput',
      message: `cannot read the pipeline's output: ${(error as Error).message}`,
    };
  }
}

/** The map in a metadata YAML file, undefined if absent, a message if bad. */
async function readYamlMap(
  metadataDir: string,
  name: string,
): Promise<Record<string, unknown> | string | undefined> {
  const text = await readMetadataFile(metadataDir, name);
  if (text === undefined) {
    return undefined;
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    return `invalid /kratix/metadata/${name}: ${(error as Error).message}`;
  }
  if (value === null || value === undefined) {
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return `invalid /kratix/metadata/${name}: expected a YAML map`;
  }
  return value as Record<string, unknown>;
}

/**
 * `conditions` in status.yaml are merged into the object's conditions by
 * type (as Kratix does), so each must be a map with a type.
 */
function conditionsProblem(
  status: Record<string, unknown> | undefined,
): string | undefined {
  const conditions = status?.conditions;
  if (conditions === undefined || conditions === null) {
    return undefined;
  }
  const where = 'invalid /kratix/metadata/status.yaml: conditions';
  if (!Array.isArray(conditions)) {
    return `${where} must be a list of conditions (maps with type and status), got ${describeYaml(
      conditions,
    )}`;
  }
  const bad = conditions.findIndex(
    c =>
      typeof c !== 'object' ||
      c === null ||
      Array.isArray(c) ||
      typeof c.type !== 'string' ||
      c.type === '',
  );
  return bad === -1
    ? undefined
    : `${where}[${bad}] must be a map with a non-empty type, got ${describeYaml(
        conditions[bad],
      )}`;
}

function describeYaml(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map without a type';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function defaultSelectorSource(
  env: Record<string, string>,
): WorkflowSelectorSource {
  return env.KRATIX_WORKFLOW_TYPE === 'promise'
    ? 'promise-workflow'
    : 'resource-workflow';
}

/**
 * The Promise was admitted, but its container specs come from users: a
 * malformed one fails the pipeline with a message rather than an exception
 * the engine would retry forever.
 */
function containerSpecProblem(container: ContainerSpec): string | undefined {
  const strings = (value: unknown) =>
    Array.isArray(value) && value.every(v => typeof v === 'string');
  for (const field of ['command', 'args'] as const) {
    const value = container[field];
    if (value !== undefined && value !== null && !strings(value)) {
      return `${field} must be a list of strings`;
    }
  }
  const env: unknown = container.env;
  if (env === undefined || env === null) {
    return undefined;
  }
  if (!Array.isArray(env)) {
    return 'env must be a list of {name, value}';
  }
  const bad = env.findIndex(
    e =>
      typeof e !== 'object' ||
      e === null ||
      typeof e.name !== 'string' ||
      e.name === '' ||
      e.name.includes('=') ||
      (e.value !== undefined &&
        e.value !== null &&
        typeof e.value !== 'string'),
  );
  return bad === -1
    ? undefined
    : `env[${bad}] must be {name, value} with a non-empty name without "=" and a string value`;
}

function containerEnv(container: ContainerSpec): Record<string, string> {
  return Object.fromEntries(
    (container.env ?? []).map(({ name, value }) => [name, value ?? '']),
  );
}

function failed(
  reason: PipelineFailureReason,
  message: string,
  logs: string,
): ContainerOutcome {
  const tail = lastLines(logs, LOG_TAIL_LINES).trim();
  return {
    ok: false,
    reason,
    message: tail ? `${message}; last log lines:\n${tail}` : message,
    logs,
  };
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function pipelineName(options: RunPipelineOptions): string {
  return options.pipeline.metadata.name;
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** An AbortController that also aborts when `parent` does. */
function linkedController(parent: AbortSignal | undefined) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) {
    onAbort();
  } else {
    parent?.addEventListener('abort', onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    abort: () => controller.abort(),
    dispose: () => parent?.removeEventListener('abort', onAbort),
  };
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    work
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}
