import {
  DestinationObject,
  explainScheduling,
  Labels,
  TaggedSelector,
  toCandidate,
  WorkObject,
} from '@kratix-backstage/plugin-kratix-common';
import type { WhatIfChange } from '../api/KratixApi';
import type {
  WorkGroupStatus,
  WorkStatus,
} from '@kratix-backstage/plugin-kratix-common';

/** The per-group status the scheduler writes on a Work. */
export function workGroups(work: WorkObject): WorkGroupStatus[] {
  return (work.status as WorkStatus | undefined)?.workloadGroups ?? [];
}

/** A destination as the scheduling core sees it, with `labels` if given instead of its own. */
export function candidateOf(d: DestinationObject, labels?: Labels) {
  return toCandidate(labels ? { ...d, metadata: { ...d.metadata, labels } } : d);
}

/**
 * The what-if of a label change computed in the browser from Works already
 * loaded, for when the backend has no what-if endpoint: the same core
 * function the scheduler uses decides each group against the changed
 * destination alone.
 */
export function localWhatIf(
  destination: DestinationObject,
  labels: Labels,
  works: WorkObject[],
): WhatIfChange[] {
  const name = destination.metadata.name;
  const changes: WhatIfChange[] = [];
  for (const work of works) {
    const statuses = workGroups(work);
    for (const group of work.spec?.workloadGroups ?? []) {
      const status = statuses.find(s => s.id === group.id);
      const selectors: TaggedSelector[] = group.destinationSelectors ?? [];
      const after = explainScheduling(selectors, [candidateOf(destination, labels)])
        .destinations[0];
      const placedHere = status?.destinations.includes(name) ?? false;
      const base = {
        namespace: work.metadata.namespace ?? '',
        work: work.metadata.name,
        promiseName: work.spec?.promiseName ?? '',
        resourceName: work.spec?.resourceName || undefined,
        workloadGroupId: group.id,
        destinations: [name],
      };
      const isDependency = !work.spec?.resourceName;
      // Dependencies go to every match; a resource group only moves off "nowhere".
      const wouldPlace =
        after.matches &&
        !placedHere &&
        (isDependency || !status || status.unscheduled);
      if (wouldPlace) changes.push({ ...base, change: 'schedule' });
      else if (placedHere && !after.matches && !status?.misplaced.includes(name))
        changes.push({ ...base, change: 'misplace' });
    }
  }
  return changes;
}

export function describeChange(c: WhatIfChange): string {
  const subject = c.resourceName
    ? `${c.promiseName} resource ${c.namespace}/${c.resourceName}`
    : `${c.promiseName} dependencies (${c.work})`;
  return c.change === 'schedule'
    ? `${subject} would be scheduled on ${c.destinations.join(', ')}`
    : `${subject} would be marked misplaced on ${c.destinations.join(', ')}`;
}
