import {
  DestinationObject,
  groupsOnWorks,
  labelChangeOutcomes,
  Labels,
  toCandidate,
  WorkObject,
} from '@kratix-backstage/plugin-kratix-common';
import type { WhatIfChange } from '../api/KratixApi';
import type { WorkGroupStatus } from '@kratix-backstage/plugin-kratix-common';

/** The per-group status the scheduler writes on a Work. */
export function workGroups(work: WorkObject): WorkGroupStatus[] {
  return work.status?.workloadGroups ?? [];
}

/** A destination as the scheduling core sees it, with `labels` if given instead of its own. */
export function candidateOf(d: DestinationObject, labels?: Labels) {
  return toCandidate(labels ? { ...d, metadata: { ...d.metadata, labels } } : d);
}

/**
 * The what-if of a label change computed in the browser from Works already
 * loaded, for when the backend has no what-if endpoint: the backend's own
 * function, on the same groups.
 */
export function localWhatIf(
  destination: DestinationObject,
  labels: Labels,
  works: WorkObject[],
): WhatIfChange[] {
  return labelChangeOutcomes(toCandidate(destination), labels, groupsOnWorks(works));
}

/** One change of a label change on `destination`, as a sentence. */
export function describeChange(c: WhatIfChange, destination: string): string {
  const subject = c.resourceName
    ? `${c.promiseName} resource ${c.namespace}/${c.resourceName}`
    : `${c.promiseName} dependencies (${c.work})`;
  return c.change === 'schedule'
    ? `${subject} would be scheduled on ${destination}`
    : `${subject} would be marked misplaced on ${destination}`;
}
