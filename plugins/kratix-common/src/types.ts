/*
 * The Kratix objects in their Kubernetes form. Field names follow Kratix's
 * CRDs (platform.kratix.io/v1alpha1) so the tutorial's YAML works unchanged.
 */
import type {
  DestinationStatus,
  PromiseStatus,
  ResourceRequestStatus,
  WorkPlacementStatus,
  WorkStatus,
} from './status';

export const KRATIX_GROUP = 'platform.kratix.io';
export const KRATIX_VERSION = 'v1alpha1';
export const KRATIX_API_VERSION = `${KRATIX_GROUP}/${KRATIX_VERSION}`;
/** Namespace of a Promise's own Works and WorkPlacements. */
export const KRATIX_SYSTEM_NAMESPACE = 'kratix-platform-system';

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Labels;
  annotations?: Record<string, string>;
}

export interface KubeObject<Spec = any, Status = any> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/** A Kratix destination selector: Kratix supports matchLabels only. */
export interface Selector {
  matchLabels: Labels;
}

/** Where a selector came from; the order of the union is the precedence. */
export type SelectorSource =
  | 'promise'
  | 'promise-workflow'
  | 'resource-workflow';

export const SELECTOR_SOURCE_PRECEDENCE: readonly SelectorSource[] = [
  'promise',
  'promise-workflow',
  'resource-workflow',
];

export interface TaggedSelector extends Selector {
  source: SelectorSource;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
}

export interface PipelineObject {
  apiVersion: string;
  kind: 'Pipeline';
  metadata: { name: string; namespace?: string };
  spec: { containers: ContainerSpec[] };
}

export interface WorkflowSet {
  configure?: PipelineObject[];
  delete?: PipelineObject[];
}

/** The CRD-like API a Promise offers (`spec.api`). */
export interface PromiseApi {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec: {
    group: string;
    scope?: 'Namespaced';
    names: {
      kind: string;
      plural: string;
      singular?: string;
      listKind?: string;
    };
    versions: {
      name: string;
      served?: boolean;
      storage?: boolean;
      schema?: { openAPIV3Schema?: Record<string, unknown> };
    }[];
  };
}

export interface PromiseSpec {
  api?: PromiseApi;
  dependencies?: Record<string, unknown>[];
  destinationSelectors?: Selector[];
  workflows?: { promise?: WorkflowSet; resource?: WorkflowSet };
  /** Promises (and versions) that must be installed and Available first. */
  requiredPromises?: { name: string; version?: string }[];
}

export type PromiseObject = KubeObject<PromiseSpec, PromiseStatus>;

export type FilepathMode = 'nestedByMetadata' | 'aggregatedYAML' | 'none';

export interface DestinationSpec {
  path?: string;
  stateStoreRef?: { kind: string; name: string };
  strictMatchLabels?: boolean;
  filepath?: { mode?: FilepathMode; filename?: string };
  cleanup?: 'none' | 'all';
  /** Canary files on a new Destination (default true). */
  initWorkloads?: { enabled?: boolean };
}

export type DestinationObject = KubeObject<DestinationSpec, DestinationStatus>;

export interface Workload {
  filepath: string;
  content: string;
}

export interface WorkloadGroup {
  id: string;
  directory: string;
  workloads: Workload[];
  destinationSelectors?: TaggedSelector[];
}

export interface WorkSpec {
  promiseName: string;
  resourceName?: string;
  workloadGroups: WorkloadGroup[];
}

export type WorkObject = KubeObject<WorkSpec, WorkStatus>;

export interface WorkPlacementSpec {
  targetDestinationName: string;
  workloads: Workload[];
  promiseName: string;
  resourceName?: string;
  id: string;
  /** The Work's metadata.generation this placement was made from. */
  generation?: number;
}

export type WorkPlacementObject = KubeObject<
  WorkPlacementSpec,
  WorkPlacementStatus
>;

/** An object of a kind a Promise's API defines; its spec is the API's. */
export type ResourceRequestObject = KubeObject<
  Record<string, unknown>,
  ResourceRequestStatus
>;

/** What the scheduling core needs to know about a destination. */
export interface DestinationCandidate {
  name: string;
  labels: Labels;
  strictMatchLabels?: boolean;
  /**
   * `kratix.io/dry-run: "true"`: Kratix sends it its dry-run works only,
   * which this engine does not make, so it receives nothing.
   */
  dryRun?: boolean;
  /** Being deleted: never receives anything new. */
  deleting?: boolean;
}
