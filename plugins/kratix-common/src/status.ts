/*
 * The status the engine's controllers write, typed once so the backend that
 * writes it and the pages that read it cannot drift apart.
 */
import type { Condition, Labels } from './types';

/** Where one workload group of a Work went, or why it went nowhere. */
export interface WorkGroupStatus {
  id: string;
  directory: string;
  resolvedSelectors: Labels;
  destinations: string[];
  /** Destinations it stays on although they no longer match. */
  misplaced: string[];
  unscheduled: boolean;
  /** The scheduling core's one-line explanation. */
  summary: string;
}

export interface WorkStatus {
  observedGeneration?: number;
  workPlacements?: number;
  workPlacementsCreated?: number;
  conditions?: Condition[];
  workloadGroups?: WorkGroupStatus[];
}

/**
 * What Promises and resource requests share: each runs workflows, and a
 * pipeline's `/kratix/metadata/status.yaml` may set any field besides the
 * engine's own (Kratix merges it into the status).
 */
export interface WorkflowObjectStatus {
  conditions?: Condition[];
  observedGeneration?: number;
  /** Recorded so a deletion retried later does not run the workflow again. */
  deleteWorkflowCompleted?: boolean;
  [field: string]: unknown;
}

/** One of a Promise's `spec.requiredPromises`, and how far it is. */
export interface RequiredPromiseStatus {
  name: string;
  version?: string;
  /** Kratix's words: `Requirement installed`, `Requirement not installed`, ... */
  state: string;
}

export interface PromiseStatus extends WorkflowObjectStatus {
  status?: 'Available' | 'Unavailable';
  /** The apiVersion and kind of its resource requests, once its API is installed. */
  apiVersion?: string;
  kind?: string;
  requiredPromises?: RequiredPromiseStatus[];
}

export interface ResourceRequestStatus extends WorkflowObjectStatus {
  /** Kratix's: set by the pipeline's status.yaml ("Pending" until then). */
  message?: string;
  /** The Promise generation its configure workflow last ran against. */
  observedPromiseGeneration?: number;
  /**
   * Beyond Kratix: the engine's one-line scheduling summary ("Scheduled on
   * worker-1", "Pending: needs ..."), kept apart so `message` stays the
   * pipeline's.
   */
  schedulingMessage?: string;
  /** Beyond Kratix: every destination any of its workload groups was placed on. */
  destinations?: string[];
  /** Beyond Kratix: each workload group of each of its Works. */
  scheduling?: (WorkGroupStatus & { work: string })[];
  /** Beyond Kratix: the groups kept on destinations that no longer match. */
  misplaced?: { work: string; id: string; destinations: string[] }[];
}

export interface WorkPlacementStatus {
  conditions?: Condition[];
  /** What was written to the state store, so a deletion removes exactly that. */
  writtenFiles?: string[];
}

export interface DestinationStatus {
  conditions?: Condition[];
}
