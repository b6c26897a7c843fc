import { LoggerService } from '@backstage/backend-plugin-api';
import {
  InProcessPipeline,
  PipelineRunner,
} from '@kratix-backstage/plugin-kratix-node';
import { ObjectStore } from '../store/types';
import { InMemoryKindRegistry } from '../admission/kinds';
import { StateStores } from './stateStores';
import { ReconcileKey } from './keys';
import type { PipelineRuns } from './pipelineRuns';
import type { EventRecorder } from './events';

/** What every controller may use; built once by the ControllerManager. */
export interface EngineContext {
  store: ObjectStore;
  kinds: InMemoryKindRegistry;
  logger: LoggerService;
  /** Injected so scheduling is deterministic in tests. */
  random: () => number;
  pipelines: {
    runners: PipelineRunner[];
    inProcess: Map<string, InProcessPipeline>;
    limits?: { maxOutputBytes?: number; maxOutputFiles?: number };
  };
  stateStores: StateStores;
  /** Records each pipeline run as a Pod. */
  runs: PipelineRuns;
  /** Records what happened as Events, as Kratix does. */
  events: EventRecorder;
  /** Aborted when the backend shuts down; pipelines stop with it. */
  signal: AbortSignal;
  enqueue(key: ReconcileKey, delayMs?: number): Promise<void>;
  /** Serialises writes that share a destination's files. */
  withDestinationLock<T>(destination: string, fn: () => Promise<T>): Promise<T>;
}

/** What a reconcile asks of the queue after it returns. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}
