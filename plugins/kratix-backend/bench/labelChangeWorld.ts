/*
 * The world of the label-change bench: destinations labelled as a fleet,
 * one placed resource group per Work, and the groups one label change
 * affects, known in advance.
 *
 * The affected groups are dependencies asking for `benchTarget=on`, which
 * one destination (the host) has from the start, so they are placed there.
 * Giving that label to one more destination schedules exactly those groups
 * onto it, one new file each, and changes nothing for any other group:
 * resource groups stay where they are (Kratix never moves a placed one),
 * and no other selector mentions the label.
 */
import { createHash } from 'node:crypto';
import {
  DestinationCandidate,
  DestinationObject,
  KRATIX_API_VERSION,
  Labels,
  LABEL_DRY_RUN,
  matchesDestination,
  WorkObject,
} from '@kratix-backstage/plugin-kratix-common';
import { placementFiles } from '../src/statestores/layout';
import { makeDestination, makeSelector } from './labelWorld';

export const TARGET_LABEL = { benchTarget: 'on' };
export const NAMESPACE = 'default';
const PROMISE = 'bench';
const WORKLOAD = 'configmap.yaml';

export interface LabelChangeWorld {
  destinations: DestinationObject[];
  works: WorkObject[];
  /** Works holding an affected group, in creation order. */
  affected: WorkObject[];
  /** Has the target label from the start: the affected groups are placed there. */
  host: string;
  /** Gain the target label: ours first, then the baseline's. */
  changed: [string, string];
}

export function buildWorld(
  random: () => number,
  sizes: { destinations: number; groups: number; affected: number },
): LabelChangeWorld {
  if (sizes.affected > sizes.groups) {
    throw new Error('BENCH_AFFECTED must not exceed BENCH_GROUPS');
  }
  if (sizes.destinations < 3) {
    throw new Error('BENCH_DESTINATIONS must be at least 3');
  }
  const candidates = Array.from({ length: sizes.destinations }, (_, i) => ({
    ...makeDestination(random, i),
    name: `bench-${String(i).padStart(5, '0')}`,
  }));
  // Plain destinations (neither strict nor dry-run), spread over the fleet.
  const plain = candidates.filter(d => !d.strictMatchLabels && !d.dryRun);
  const [host, ours, baseline] = [0, 1, 2].map(
    k => plain[Math.floor((k * plain.length) / 3)],
  );
  host.labels = { ...host.labels, ...TARGET_LABEL };

  const placeable = new Map<string, boolean>();
  const hasCandidate = (selector: Labels) => {
    const key = JSON.stringify(selector);
    let found = placeable.get(key);
    if (found === undefined) {
      found = candidates.some(
        d => !d.dryRun && matchesDestination(selector, d),
      );
      placeable.set(key, found);
    }
    return found;
  };

  // Affected groups spread evenly over the Works' names, so neither side's
  // queue order favours them.
  const stride = sizes.affected ? Math.floor(sizes.groups / sizes.affected) : 0;
  const works: WorkObject[] = [];
  const affected: WorkObject[] = [];
  for (let i = 0; i < sizes.groups; i++) {
    const name = `bench-${String(i).padStart(6, '0')}`;
    const isAffected =
      stride > 0 &&
      i % stride === stride - 1 &&
      affected.length < sizes.affected;
    let selector: Labels;
    if (isAffected) selector = TARGET_LABEL;
    else {
      do selector = makeSelector(random);
      while (!hasCandidate(selector));
    }
    const work = makeWork(name, i, selector, isAffected);
    works.push(work);
    if (isAffected) affected.push(work);
  }
  return {
    destinations: candidates.map(toDestination),
    works,
    affected,
    host: host.name,
    changed: [ours.name, baseline.name],
  };
}

function toDestination(d: DestinationCandidate): DestinationObject {
  return {
    apiVersion: KRATIX_API_VERSION,
    kind: 'Destination',
    metadata: {
      name: d.name,
      labels: { ...d.labels, ...(d.dryRun ? { [LABEL_DRY_RUN]: 'true' } : {}) },
    },
    spec: {
      stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
      ...(d.strictMatchLabels ? { strictMatchLabels: true } : {}),
    },
  } as DestinationObject;
}

/**
 * A Work as the engine's workflows write one: a dependency (no
 * resourceName) or a resource's, one workload group from the promise.
 */
function makeWork(
  name: string,
  i: number,
  selector: Labels,
  isDependency: boolean,
): WorkObject {
  // Unique in its first five characters, which name its directory.
  const id =
    i.toString(16).padStart(5, '0') +
    createHash('md5').update(name).digest('hex').slice(5);
  return {
    apiVersion: KRATIX_API_VERSION,
    kind: 'Work',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      promiseName: PROMISE,
      ...(isDependency ? {} : { resourceName: name }),
      workloadGroups: [
        {
          id,
          directory: '.',
          workloads: [
            {
              filepath: WORKLOAD,
              content: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${NAMESPACE}\ndata:\n  index: "${i}"\n`,
            },
          ],
          destinationSelectors: [{ matchLabels: selector, source: 'promise' }],
        },
      ],
    },
  };
}

/** The state-store paths (below the store's root) a Work's groups get on a destination. */
export function expectedFiles(work: WorkObject, destination: string): string[] {
  return work.spec!.workloadGroups.flatMap(group =>
    placementFiles({
      mode: 'nestedByMetadata',
      destinationPath: destination,
      placement: {
        name: `${work.metadata.name}.${destination}`,
        namespace: work.metadata.namespace!,
        promiseName: work.spec!.promiseName,
        resourceName: work.spec!.resourceName,
        groupId: group.id,
        workloads: group.workloads,
      },
    }).map(f => f.path),
  );
}
