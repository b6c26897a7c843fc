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

/** Beyond Kratix: what the engine adds to a resource request's status. */
export interface ResourceSchedulingStatus {
  conditions?: Condition[];
  /** Kratix's: set by the pipeline's status.yaml ("Pending" until then). */
  message?: string;
  /**
   * The engine's one-line scheduling summary ("Scheduled to worker-1",
   * "Pending: needs ..."), kept apart so `message` stays the pipeline's.
   */
  schedulingMessage?: string;
  /** Every destination any of its workload groups was placed on. */
  destinations?: string[];
  /** Each workload group of each of its Works. */
  scheduling?: (WorkGroupStatus & { work: string })[];
  misplaced?: { work: string; id: string; destinations: string[] }[];
  observedGeneration?: number;
}
