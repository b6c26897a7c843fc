/*
 * "What would this label change do?" answered with the scheduler's own
 * matching, before anything changes: which workload groups would be placed
 * on the destination, and which placed there would become misplaced.
 */
import { candidateDestinations } from './scheduling';
import type { WorkGroupStatus } from './status';
import {
  DestinationCandidate,
  DestinationObject,
  Labels,
  WorkObject,
} from './types';
import { LABEL_DRY_RUN, LABEL_RESOURCE_NAME } from './wellKnown';

/** What the scheduling core needs of a Destination object. */
export function toCandidate(d: DestinationObject): DestinationCandidate {
  return {
    name: d.metadata.name,
    labels: d.metadata.labels ?? {},
    strictMatchLabels: d.spec?.strictMatchLabels === true,
    dryRun: d.metadata.labels?.[LABEL_DRY_RUN] === 'true',
    deleting: Boolean(d.metadata.deletionTimestamp),
  };
}

/** One workload group as a Work's status reports it, with its Work. */
export interface GroupOnWork {
  namespace: string;
  work: string;
  promiseName: string;
  resourceName?: string;
  /** Dependencies go to every matching destination; resources to one. */
  isDependency: boolean;
  group: WorkGroupStatus;
}

/** Every workload group the scheduler reported on these Works. */
export function groupsOnWorks(works: WorkObject[]): GroupOnWork[] {
  return works.flatMap(w => {
    const resourceName =
      w.spec?.resourceName ?? w.metadata.labels?.[LABEL_RESOURCE_NAME];
    return (w.status?.workloadGroups ?? []).map(group => ({
      namespace: w.metadata.namespace ?? '',
      work: w.metadata.name,
      promiseName: w.spec?.promiseName ?? '',
      resourceName,
      isDependency: !resourceName,
      group,
    }));
  });
}

export interface LabelChangeOutcome {
  namespace: string;
  work: string;
  promiseName: string;
  resourceName?: string;
  workloadGroupId: string;
  /** `schedule`: it would be placed there; `misplace`: placed there, it would no longer match. */
  change: 'schedule' | 'misplace';
  /** Where the group is now. */
  destinations: string[];
}

const fits = (resolved: Labels, d: DestinationCandidate) =>
  candidateDestinations(resolved, [d]).length === 1;

/**
 * The groups a destination's new labels would place or misplace. A
 * resource that is placed stays where it is (Kratix's placements are
 * sticky), so only a group with nowhere to go is newly placed; a
 * dependency is placed on every destination that matches.
 */
export function labelChangeOutcomes(
  destination: DestinationCandidate,
  labels: Labels,
  groups: GroupOnWork[],
): LabelChangeOutcome[] {
  const after = { ...destination, labels };
  const outcomes: LabelChangeOutcome[] = [];
  for (const g of groups) {
    const { group } = g;
    const resolved = group.resolvedSelectors ?? {};
    const placedHere = group.destinations.includes(destination.name);
    const fitsAfter = fits(resolved, after);
    let change: LabelChangeOutcome['change'] | undefined;
    if (placedHere && !fitsAfter && fits(resolved, destination)) {
      change = 'misplace';
    } else if (!placedHere && fitsAfter) {
      const wanted = g.isDependency
        ? !fits(resolved, destination)
        : group.unscheduled || group.destinations.length === 0;
      if (wanted) change = 'schedule';
    }
    if (change) {
      outcomes.push({
        namespace: g.namespace,
        work: g.work,
        promiseName: g.promiseName,
        ...(g.resourceName ? { resourceName: g.resourceName } : {}),
        workloadGroupId: group.id,
        change,
        destinations: group.destinations,
      });
    }
  }
  return outcomes;
}
