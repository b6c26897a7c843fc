/*
 * The scheduling core: which destinations may hold a workload group, and
 * which placements to create, keep or flag. Pure so the engine, the UI and
 * the explanation all reach the same answer.
 */
import type { DestinationCatalog } from './destinationCatalog';
import {
  DestinationCandidate,
  Labels,
  SELECTOR_SOURCE_PRECEDENCE,
  SelectorSource,
  TaggedSelector,
} from './types';

const hasOwn = (o: object, k: string) =>
  Object.prototype.hasOwnProperty.call(o, k);

/**
 * Selectors of one source in their original order, sources from the highest
 * precedence down. Both `resolveSelectors` and the explanation walk this, so
 * they agree on who wins.
 */
export function selectorsInPrecedenceOrder(
  selectors: TaggedSelector[],
): TaggedSelector[] {
  return SELECTOR_SOURCE_PRECEDENCE.flatMap(source =>
    selectors.filter(s => s.source === source),
  );
}

/**
 * One map of required labels. A key set by a higher source cannot be changed
 * by a lower one, so a workflow can narrow the Promise author's choice but
 * never widen it; within one source the first selector wins, as Kratix
 * squashes a source's list.
 */
export function resolveSelectors(selectors: TaggedSelector[]): Labels {
  const resolved: Labels = {};
  for (const selector of selectorsInPrecedenceOrder(selectors)) {
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
      if (!hasOwn(resolved, key)) resolved[key] = value;
    }
  }
  return sortKeys(resolved);
}

function sortKeys(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k];
  return out;
}

/**
 * Label match only; exclusion of deleting and dry-run destinations is the
 * caller's business (see `candidateDestinations`).
 */
export function matchesDestination(
  resolved: Labels,
  destination: DestinationCandidate,
): boolean {
  const labels = destination.labels ?? {};
  const keys = Object.keys(resolved);
  if (keys.length === 0) {
    // A strict destination only takes work that asks for it by label.
    return !(destination.strictMatchLabels && Object.keys(labels).length > 0);
  }
  return keys.every(k => hasOwn(labels, k) && labels[k] === resolved[k]);
}

/**
 * The destinations a workload group may go to. Dry-run destinations take
 * only Kratix's dry-run works, which this engine never makes, so they take
 * nothing here.
 */
export function candidateDestinations(
  resolved: Labels,
  destinations: DestinationCandidate[],
): DestinationCandidate[] {
  return destinations.filter(
    d => !d.deleting && !d.dryRun && matchesDestination(resolved, d),
  );
}

/** `random` returns [0,1) like Math.random; injected so tests and replays are deterministic. */
export function pickDestination<T>(
  candidates: T[],
  random: () => number,
): T | undefined {
  if (candidates.length === 0) return undefined;
  const i = Math.floor(random() * candidates.length);
  // Guards against a random source that returns exactly 1 or a tiny negative.
  return candidates[Math.min(Math.max(i, 0), candidates.length - 1)];
}

/**
 * The per-source shape of Kratix's "no destinations can be selected" log,
 * so operators can grep for what they already know.
 */
export function selectorsBySource(
  selectors: TaggedSelector[],
): Partial<Record<SelectorSource, { target: { matchLabels: Labels } }[]>> {
  const out: Partial<
    Record<SelectorSource, { target: { matchLabels: Labels } }[]>
  > = {};
  for (const s of selectorsInPrecedenceOrder(selectors)) {
    (out[s.source] ??= []).push({
      target: { matchLabels: { ...(s.matchLabels ?? {}) } },
    });
  }
  return out;
}

export interface ScheduleDecision {
  resolved: Labels;
  /** Every destination that may take the group, by name. */
  candidates: string[];
  /** Destinations to create placements on now. */
  place: string[];
  /** Existing placements whose destination no longer matches: keep writing them, flag them. */
  misplaced: string[];
  /** Existing placements whose destination still matches. */
  kept: string[];
  /** No live placement exists and none can be made. */
  unscheduled: boolean;
}

export interface ScheduleInput {
  selectors: TaggedSelector[];
  destinations: DestinationCatalog;
  /** Destination names that already hold a placement of this workload group. */
  placedOn: string[];
  /** Promise dependencies and promise workflows go everywhere; resources go to one place. */
  isDependency: boolean;
  random: () => number;
}

export function decideSchedule(input: ScheduleInput): ScheduleDecision {
  const resolved = resolveSelectors(input.selectors);
  const candidates = input.destinations.matching(resolved);
  const candidateNames = new Set(candidates.map(d => d.name));
  const placedOn = [...new Set(input.placedOn)];

  const kept: string[] = [];
  const misplaced: string[] = [];
  for (const name of placedOn) {
    const destination = input.destinations.get(name);
    // A placement on a destination that is gone or being deleted is on its
    // way out with that destination (its cleanup removes it); calling it
    // misplaced would flag something nobody can act on.
    if (!destination || destination.deleting) continue;
    (candidateNames.has(name) ? kept : misplaced).push(name);
  }

  let place: string[];
  if (input.isDependency) {
    const already = new Set(placedOn);
    place = candidates.filter(d => !already.has(d.name)).map(d => d.name);
  } else if (placedOn.length > 0) {
    // Sticky: a resource never moves on its own, even when every existing
    // placement is misplaced or its destination is going away.
    place = [];
  } else {
    const picked = pickDestination(candidates, input.random);
    place = picked ? [picked.name] : [];
  }

  return {
    resolved,
    candidates: [...candidateNames],
    place,
    misplaced,
    kept,
    unscheduled:
      place.length === 0 && kept.length === 0 && misplaced.length === 0,
  };
}
