import {
  DestinationObject,
  explainScheduling,
  KubeObject,
  LABEL_PROMISE_NAME,
  LABEL_RESOURCE_NAME,
  LABEL_WORK,
  PromiseObject,
  ResourceRequestObject,
  WorkObject,
  WorkPlacementObject,
} from '@kratix-backstage/plugin-kratix-common';
import type { ExplainedGroup, KratixApi } from '../../api/KratixApi';
import { KratixApiError } from '../../api/errors';
import { kratixPaths, ResourceKind, resourceKindOf, resourcePath } from '../../api/paths';
import { candidateOf, workGroups } from '../../lib/whatIf';
import { placementFiles, WrittenFile } from '../../lib/stateStorePaths';
import type { EventObject } from './EventsTimeline';
import type { PodObject } from './PipelineRuns';

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

export interface GroupExplanation extends ExplainedGroup {
  work: string;
}

export interface ResourceData {
  request: ResourceRequestObject;
  promise?: PromiseObject;
  kind?: ResourceKind;
  works: WorkObject[];
  files: WrittenFile[];
  /** Only for groups that are unscheduled or misplaced. */
  explanations: GroupExplanation[];
  pods?: PodObject[];
  podsError?: unknown;
  events?: EventObject[];
  eventsError?: unknown;
}

/** How many destinations the browser-side explanation weighs. */
const LOCAL_EXPLAIN_DESTINATIONS = 200;

const missingEndpoint = (e: unknown) =>
  e instanceof KratixApiError && [404, 405].includes(e.code);

/** Optional parts (runs, events) that a backend may not offer yet. */
async function optional<T>(load: () => Promise<T[]>) {
  try {
    return { items: await load() };
  } catch (error) {
    return missingEndpoint(error) ? { items: [] } : { items: undefined, error };
  }
}

export async function loadResource(api: KratixApi, ref: ResourceRef): Promise<ResourceData> {
  const [request, promises] = await Promise.all([
    api.get<ResourceData['request']>(resourcePath(ref, ref.namespace, ref.name)),
    api.list<PromiseObject>(kratixPaths.promises()).catch(() => ({ items: [] as PromiseObject[] })),
  ]);
  const promise = promises.items.find(p => {
    const k = resourceKindOf(p);
    return k?.group === ref.group && k.plural === ref.plural;
  });
  const kind = promise ? resourceKindOf(promise) : undefined;
  const promiseName = promise?.metadata.name;
  const ns = ref.namespace;

  const workSelector = [
    promiseName ? `${LABEL_PROMISE_NAME}=${promiseName}` : '',
    `${LABEL_RESOURCE_NAME}=${ref.name}`,
  ]
    .filter(Boolean)
    .join(',');
  const [works, pods, events] = await Promise.all([
    api.list<WorkObject>(kratixPaths.works(ns), { labelSelector: workSelector }),
    optional(() =>
      api
        .list<PodObject>(kratixPaths.pods(ns), { labelSelector: workSelector })
        .then(l => l.items),
    ),
    optional(() =>
      api
        .list<EventObject>(kratixPaths.events(ns), {
          fieldSelector: `involvedObject.name=${ref.name},involvedObject.kind=${request.kind}`,
        })
        .then(l => l.items),
    ),
  ]);

  const workNames = works.items.map(w => w.metadata.name);
  const [placements, stores] = await Promise.all([
    workNames.length
      ? api.list<WorkPlacementObject>(kratixPaths.workPlacements(ns), {
          labelSelector: `${LABEL_WORK} in (${workNames.join(',')})`,
        })
      : Promise.resolve({ items: [] as WorkPlacementObject[] }),
    api.list(kratixPaths.stateStores()).catch(() => ({ items: [] as KubeObject[] })),
  ]);
  const destinationNames = [...new Set(placements.items.map(p => p.spec?.targetDestinationName).filter(Boolean))] as string[];
  const destinations = new Map<string, DestinationObject>();
  await Promise.all(
    destinationNames.map(async d => {
      const obj = await api.get<DestinationObject>(kratixPaths.destination(d)).catch(() => undefined);
      if (obj) destinations.set(d, obj);
    }),
  );
  const storePath = (d?: DestinationObject) =>
    stores.items.find(
      s => s.metadata.name === d?.spec?.stateStoreRef?.name && s.kind === d?.spec?.stateStoreRef?.kind,
    )?.spec?.path as string | undefined;
  const files = placements.items.flatMap(p => {
    const d = destinations.get(p.spec?.targetDestinationName ?? '');
    return placementFiles(p, d, ns, storePath(d));
  });

  const explanations = await explainPending(api, works.items);
  return {
    request,
    promise,
    kind,
    works: works.items,
    files,
    explanations,
    pods: pods.items,
    podsError: pods.error,
    events: events.items,
    eventsError: events.error,
  };
}

/**
 * Explanations of the groups that are not (or no longer rightly) placed:
 * the backend's, or computed here with the core's explainScheduling when the
 * backend has no explain endpoint.
 */
export async function explainPending(api: KratixApi, works: WorkObject[]): Promise<GroupExplanation[]> {
  const pending = works.filter(w =>
    workGroups(w).some(g => g.unscheduled || g.misplaced.length > 0),
  );
  if (pending.length === 0) return [];
  let destinations: DestinationObject[] | undefined;
  const out: GroupExplanation[] = [];
  for (const work of pending) {
    const wanted = new Set(
      workGroups(work).filter(g => g.unscheduled || g.misplaced.length > 0).map(g => g.id),
    );
    try {
      const answer = await api.explainWork(work.metadata.namespace ?? '', work.metadata.name);
      out.push(
        ...answer.groups.filter(g => wanted.has(g.id)).map(g => ({ ...g, work: work.metadata.name })),
      );
    } catch (e) {
      if (!missingEndpoint(e)) throw e;
      destinations ??= (
        await api.list<DestinationObject>(kratixPaths.destinations(), { limit: LOCAL_EXPLAIN_DESTINATIONS })
      ).items.slice(0, LOCAL_EXPLAIN_DESTINATIONS);
      for (const group of work.spec?.workloadGroups ?? []) {
        if (!wanted.has(group.id)) continue;
        const selectors = group.destinationSelectors ?? [];
        const explanation = explainScheduling(selectors, destinations.map(d => candidateOf(d)));
        explanation.destinations.sort(
          (a, b) => a.missing.length + a.conflicting.length - (b.missing.length + b.conflicting.length),
        );
        out.push({
          work: work.metadata.name,
          id: group.id,
          directory: group.directory,
          selectors,
          placedOn: workGroups(work).find(g => g.id === group.id)?.destinations ?? [],
          explanation,
        });
      }
    }
  }
  return out;
}
