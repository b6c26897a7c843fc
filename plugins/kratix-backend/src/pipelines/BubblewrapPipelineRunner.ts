import { Config } from '@backstage/config';
import { ContainerSpec } from '@kratix-backstage/plugin-kratix-common';
import {
  ContainerRunRequest,
  ContainerRunResult,
  PipelineRunner,
} from '@kratix-backstage/plugin-kratix-node';
import fs from 'node:fs';
import path from 'node:path';
import {
  BubblewrapPipelineRunnerOptions,
  ImageMapping,
  readPipelinesConfig,
} from './pipelinesConfig';
import { runProcess } from './runProcess';
import { bwrapArgs, describeHostRoot, HostRootEntry } from './sandboxArgs';

export const DEFAULT_BWRAP_PATH = '/usr/bin/bwrap';

/** A container result that also says whether the runner's timer stopped it. */
export interface SandboxedRunResult extends ContainerRunResult {
  timedOut: boolean;
  /** The limit that applied, so a timeout can say what it was. */
  timeoutMs: number;
}

/**
 * Runs pipeline containers as local executables inside a bubblewrap sandbox:
 * read-only system, no network, nothing of the host but /usr, the image's
 * executable and the three `/kratix` directories. Images are not pulled;
 * each one is mapped to a local entry point in config.
 */
export class BubblewrapPipelineRunner implements PipelineRunner {
  private readonly images: Record<string, ImageMapping>;
  private readonly timeoutMs: number;
  private readonly maxLogBytes: number;
  private readonly bwrapPath: string;
  private readonly hostRoot: HostRootEntry[];

  static fromConfig(config: Config): BubblewrapPipelineRunner {
    return new BubblewrapPipelineRunner(readPipelinesConfig(config));
  }

  constructor(options: BubblewrapPipelineRunnerOptions) {
    this.images = options.images;
    this.timeoutMs = options.timeoutMs;
    this.maxLogBytes = options.maxLogBytes;
    this.bwrapPath = options.bwrapPath ?? DEFAULT_BWRAP_PATH;
    this.hostRoot = describeHostRoot();
  }

  canRun(container: ContainerSpec): boolean {
    return Object.prototype.hasOwnProperty.call(this.images, container.image);
  }

  async run(request: ContainerRunRequest): Promise<SandboxedRunResult> {
    const { container } = request;
    if (!this.canRun(container)) {
      throw new Error(`image "${container.image}" is not mapped`);
    }
    const mapping = this.images[container.image];
    const argv = containerArgv(mapping, container);
    const args = bwrapArgs({
      argv,
      env: request.env,
      inputDir: request.inputDir,
      outputDir: request.outputDir,
      metadataDir: request.metadataDir,
      readOnlyDirs: imageDirs(mapping),
      hostRoot: this.hostRoot,
    });
    request.logger.debug(
      `running container "${container.name}" (${
        container.image
      }) in bubblewrap: ${argv.join(' ')}`,
    );
    const result = await runProcess({
      file: this.bwrapPath,
      args,
      timeoutMs: this.timeoutMs,
      maxLogBytes: this.maxLogBytes,
      signal: request.signal,
    });
    return {
      exitCode: result.exitCode,
      logs: result.logs,
      timedOut: result.timedOut,
      timeoutMs: this.timeoutMs,
    };
  }
}

/**
 * Kubernetes semantics with the mapped command as the image's ENTRYPOINT and
 * no default CMD: `command` replaces the entry point, `args` follow it.
 */
export function containerArgv(
  mapping: ImageMapping,
  container: Pick<ContainerSpec, 'command' | 'args'>,
): string[] {
  const entrypoint = container.command?.length
    ? container.command
    : mapping.command;
  return [...entrypoint, ...(container.args ?? [])];
}

/**
 * The "image filesystem": directories of every absolute path in the mapped
 * command (the executable, a script given to an interpreter), and of their
 * symlink targets, so that the same paths resolve inside the sandbox.
 */
function imageDirs(mapping: ImageMapping): string[] {
  const dirs: string[] = [];
  for (const part of mapping.command) {
    if (!path.isAbsolute(part) || !isFile(part)) {
      continue;
    }
    dirs.push(path.dirname(part));
    dirs.push(path.dirname(fs.realpathSync(part)));
  }
  return dirs;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
