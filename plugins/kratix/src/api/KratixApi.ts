import { createApiRef } from '@backstage/core-plugin-api';
import type {
  KubeObject,
  LabelChangeOutcome,
  SchedulingExplanation,
  TaggedSelector,
} from '@kratix-backstage/plugin-kratix-common';

/** A Kubernetes list answer, with the paging fields of `limit`/`continue`. */
export interface KubeList<T = KubeObject> {
  items: T[];
  metadata?: {
    continue?: string;
    remainingItemCount?: number;
    resourceVersion?: string;
  };
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

/** One change of a what-if answer: the backend's `labelChangeOutcomes`. */
export type WhatIfChange = LabelChangeOutcome;

export interface WhatIfResult {
  destination: string;
  labels: Record<string, string>;
  changes: WhatIfChange[];
}

/** One workload group of a Work, explained. */
export interface ExplainedGroup {
  id: string;
  directory: string;
  selectors: TaggedSelector[];
  placedOn: string[];
  explanation: SchedulingExplanation;
}

export interface WorkExplanation {
  groups: ExplainedGroup[];
}

export interface ApplyResult {
  items: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
    action: string;
  }[];
}

/**
 * The Kratix backend's Kubernetes-shaped API, addressed by path under
 * `/api/kratix` (`/apis/platform.kratix.io/v1alpha1/destinations`), so one
 * client serves built-in kinds and the kinds Promises define alike.
 */
export interface KratixApi {
  list<T = KubeObject>(path: string, options?: ListOptions): Promise<KubeList<T>>;
  get<T = KubeObject>(path: string): Promise<T>;
  create<T = KubeObject>(collectionPath: string, object: unknown): Promise<T>;
  /** JSON merge patch (RFC 7386): a null removes a key. */
  patch<T = KubeObject>(path: string, patch: unknown): Promise<T>;
  remove(path: string): Promise<void>;
  apply(yaml: string): Promise<ApplyResult>;
  whatIfDestination(
    name: string,
    labels: Record<string, string>,
  ): Promise<WhatIfResult>;
  explainWork(
    namespace: string,
    name: string,
    options?: { limit?: number },
  ): Promise<WorkExplanation>;
  /** Plain text, e.g. a pipeline pod's log. */
  getText(path: string): Promise<string>;
}

export const kratixApiRef = createApiRef<KratixApi>({ id: 'plugin.kratix' });
