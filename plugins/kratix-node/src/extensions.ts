import {
  createExtensionPoint,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  ContainerSpec,
  KubeObject,
} from '@kratix-backstage/plugin-kratix-common';

/**
 * One container of a pipeline, about to run. The three directories are the
 * host side of the `/kratix` contract: `input/object.yaml` is already there,
 * `output/` and `metadata/` are shared by all containers of the pipeline.
 */
export interface ContainerRunRequest {
  container: ContainerSpec;
  inputDir: string;
  outputDir: string;
  metadataDir: string;
  /** `KRATIX_*` variables plus the container's own `env`. */
  env: Record<string, string>;
  /** Aborted on timeout or shutdown; the runner must stop the container. */
  signal: AbortSignal;
  logger: LoggerService;
}

export interface ContainerRunResult {
  exitCode: number;
  /** Combined stdout and stderr, possibly truncated. */
  logs: string;
  /** Stopped because it ran past its time limit. */
  timedOut?: boolean;
}

/** Runs pipeline containers somewhere: locally, in a sandbox, in a cluster. */
export interface PipelineRunner {
  /** False when this runner has no way to run the container's image. */
  canRun(container: ContainerSpec): boolean;
  run(request: ContainerRunRequest): Promise<ContainerRunResult>;
}

/** What an in-process (TypeScript) pipeline gets. */
export interface InProcessPipelineContext {
  /** The Promise or resource request, as stored (`/kratix/input/object.yaml`). */
  object: KubeObject;
  env: Record<string, string>;
  /** Host paths standing for `/kratix/output` and `/kratix/metadata`. */
  outputDir: string;
  metadataDir: string;
  signal: AbortSignal;
  logger: LoggerService;
}

/**
 * A pipeline container implemented in TypeScript inside the backend. A
 * Promise refers to it by `image`, exactly as it would to a container image.
 */
export interface InProcessPipeline {
  image: string;
  run(context: InProcessPipelineContext): Promise<void>;
}

export interface KratixPipelinesExtensionPoint {
  addPipelineRunner(runner: PipelineRunner): void;
  addInProcessPipeline(pipeline: InProcessPipeline): void;
}

export const kratixPipelinesExtensionPoint =
  createExtensionPoint<KratixPipelinesExtensionPoint>({
    id: 'kratix.pipelines',
  });

/**
 * A state store's storage, seen as a tree of files under the store's own
 * root (`spec.path` already applied). Paths are POSIX, relative, no `..`.
 */
export interface StateStoreWriter {
  /**
   * Applies one change atomically where the backend allows it: writes every
   * file of `write` and removes every path of `remove`. Unchanged content is
   * not rewritten. `message` describes the change (Git uses it as the commit
   * message).
   */
  update(change: {
    write: { path: string; content: string }[];
    remove: string[];
    message: string;
  }): Promise<void>;
  read(path: string): Promise<string | undefined>;
  /** Every file below `dir` (recursive), as paths relative to the store root. */
  list(dir: string): Promise<string[]>;
}

export interface StateStoreWriterFactory {
  /** The state store kind it serves, e.g. `FilesystemStateStore`. */
  kind: string;
  /** Its plural in API paths; default the kind in lower case plus `s`. */
  plural?: string;
  /**
   * JSON Schema of the whole object (Kubernetes' structural schema, as in
   * the kind's CRD), checked when the object is applied so a bad spec is
   * refused then rather than failing at reconcile time. `default`s in it
   * are applied. Without one only `spec.path` is checked.
   */
  schema?: Record<string, unknown>;
  /** Throws an Error with a clear message when the store's spec is unusable. */
  create(stateStore: KubeObject): Promise<StateStoreWriter>;
}

export interface KratixStateStoresExtensionPoint {
  addStateStoreWriterFactory(factory: StateStoreWriterFactory): void;
}

export const kratixStateStoresExtensionPoint =
  createExtensionPoint<KratixStateStoresExtensionPoint>({
    id: 'kratix.statestores',
  });
