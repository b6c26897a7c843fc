import {
  DestinationCandidate,
  Labels,
  matchesDestination,
} from '@kratix-backstage/plugin-kratix-common';

/** What the index needs to know about one workload group. */
export interface IndexedGroup {
  /** Opaque key chosen by the engine, e.g. `<ns>/<work>/<groupId>`. */
  ref: string;
  /** The group's resolved selectors (see `resolveSelectors`). */
  resolved: Labels;
  /** Dependency works go to every candidate; resource works to one. */
  isDependency: boolean;
  /** Names of the destinations the group currently has placements on. */
  placedOn: ReadonlySet<string> | readonly string[];
}

/** The groups one destination change can affect, and what finding them cost. */
export interface DestinationChangeImpact {
  /** Refs of the groups whose scheduling decision may change, sorted. */
  refs: string[];
  /** How many times `matchesDestination` was called to find them. */
  evaluations: number;
}

interface Entry {
  ref: string;
  resolved: Labels;
  keys: string[];
  isDependency: boolean;
  placedOn: Set<string>;
  /**
   * Dependency groups and unscheduled resource groups: the ones a label
   * change on ANY destination can concern. A placed resource group is sticky,
   * so only the destinations it is placed on can concern it.
   */
  watching: boolean;
}

type PairIndex = Map<string, Map<string, Set<Entry>>>;

const EMPTY_SELECTOR: Labels = Object.freeze({}) as Labels;

/**
 * Own properties only: `constructor` or `toString` are valid label keys, and
 * a plain object would otherwise answer them from its prototype.
 */
function valueOf(labels: Labels, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, key)
    ? labels[key]
    : undefined;
}

/**
 * The engine's in-memory view of which workload groups a Destination change
 * can concern, so that a change re-evaluates a handful of groups instead of
 * every group against every destination, as Kratix's controller does.
 *
 * Pure and synchronous: the engine feeds it every group and destination it
 * stores and asks, per Destination event, which groups to reconcile.
 */
export class SchedulingIndex {
  private readonly groups = new Map<string, Entry>();
  /** label key → label value → watching groups whose selector has that pair. */
  private readonly watchByPair: PairIndex = new Map();
  /** Watching groups with an empty resolved map: they react to no key. */
  private readonly watchEmpty = new Set<Entry>();
  /** destination name → resource groups placed on it. */
  private readonly placedResources = new Map<string, Set<Entry>>();
  /** destination name → dependency groups placed on it. */
  private readonly placedDependencies = new Map<string, Set<Entry>>();
  /** The destinations registered, each the `before` of its next change. */
  private readonly destinations = new Map<string, DestinationCandidate>();

  /** Adds a group or replaces the group with the same ref. */
  upsertGroup(group: IndexedGroup): void {
    this.removeGroup(group.ref);
    const placedOn = new Set(group.placedOn);
    const entry: Entry = {
      ref: group.ref,
      resolved: group.resolved,
      keys: Object.keys(group.resolved),
      isDependency: group.isDependency,
      placedOn,
      watching: group.isDependency || placedOn.size === 0,
    };
    this.groups.set(entry.ref, entry);

    if (entry.watching) {
      if (entry.keys.length === 0) {
        this.watchEmpty.add(entry);
      }
      for (const key of entry.keys) {
        addToPairIndex(this.watchByPair, key, entry.resolved[key], entry);
      }
    }
    const byDestination = entry.isDependency
      ? this.placedDependencies
      : this.placedResources;
    for (const destination of placedOn) {
      addToSetMap(byDestination, destination, entry);
    }
  }

  /** Returns whether the group was known. */
  removeGroup(ref: string): boolean {
    const entry = this.groups.get(ref);
    if (!entry) {
      return false;
    }
    this.groups.delete(ref);
    if (entry.watching) {
      this.watchEmpty.delete(entry);
      for (const key of entry.keys) {
        removeFromPairIndex(this.watchByPair, key, entry.resolved[key], entry);
      }
    }
    const byDestination = entry.isDependency
      ? this.placedDependencies
      : this.placedResources;
    for (const destination of entry.placedOn) {
      removeFromSetMap(byDestination, destination, entry);
    }
    return true;
  }

  /**
   * Returns the destination it replaces, if any, which is what
   * `affectedByDestinationChange` wants as `before`.
   */
  upsertDestination(
    destination: DestinationCandidate,
  ): DestinationCandidate | undefined {
    const previous = this.removeDestination(destination.name);
    this.destinations.set(destination.name, destination);
    return previous;
  }

  /** Returns the destination removed, if any. */
  removeDestination(name: string): DestinationCandidate | undefined {
    const previous = this.destinations.get(name);
    this.destinations.delete(name);
    return previous;
  }

  /**
   * The groups whose scheduling decision can change because one destination
   * went from `before` to `after` (`undefined` = does not exist). Independent
   * of the destinations registered with `upsertDestination`, so the engine
   * may update the registry before or after asking.
   *
   * "Eligible" below is what `candidateDestinations` decides: not being
   * deleted, not dry-run, and `matchesDestination`. A group is returned when:
   * - it is placed on this destination, and the destination appears,
   *   disappears, starts or stops being deleted (the placement goes away or
   *   comes back), or the group's eligibility flips (the placement becomes
   *   misplaced or stops being so);
   * - it is a dependency group and its eligibility flips;
   * - it is an unscheduled resource group and it becomes eligible.
   * Resource groups placed elsewhere are sticky and never returned.
   *
   * This assumes the engine's steady state: an unscheduled resource group
   * has no candidate (it would have been placed), so losing one cannot
   * concern it. Kratix's periodic retry covers any group caught in between.
   */
  affectedByDestinationChange(
    before: DestinationCandidate | undefined,
    after: DestinationCandidate | undefined,
  ): DestinationChangeImpact {
    const name = (after ?? before)?.name;
    if (name === undefined) {
      return { refs: [], evaluations: 0 };
    }
    if (before && after && before.name !== after.name) {
      throw new Error(
        `a destination change must keep its name, got "${before.name}" and "${after.name}"`,
      );
    }

    let evaluations = 0;
    const matches = (resolved: Labels, destination: DestinationCandidate) => {
      evaluations++;
      return matchesDestination(resolved, destination);
    };

    const affected = new Set<string>();
    const placedResources = this.placedResources.get(name);
    const placedDependencies = this.placedDependencies.get(name);

    // Placements on a destination that is gone or being deleted are neither
    // kept nor misplaced (they leave with it), so crossing that line changes
    // every placement on it, whatever the selectors say.
    const liveBefore = isLive(before);
    const liveAfter = isLive(after);
    if (liveBefore !== liveAfter) {
      for (const entry of placedResources ?? []) affected.add(entry.ref);
      for (const entry of placedDependencies ?? []) affected.add(entry.ref);
    }

    // Fields other than labels can exclude the destination for every
    // selector at once, so no label key narrows the search then.
    const wholesale =
      !before ||
      !after ||
      Boolean(before.deleting) !== Boolean(after.deleting) ||
      Boolean(before.dryRun) !== Boolean(after.dryRun);
    const changedKeys = wholesale ? [] : diffKeys(before.labels, after.labels);

    const eligible = (
      entry: Entry,
      destination: DestinationCandidate | undefined,
      labelMatch?: boolean,
    ): boolean => {
      if (!takesWork(destination)) return false;
      if (labelMatch !== undefined) return labelMatch;
      // A selector pair that disagrees with the destination's value of a
      // changed key settles the answer without evaluating the selector.
      if (refutedByChangedKeys(entry, changedKeys, destination)) return false;
      return matches(entry.resolved, destination);
    };

    // Every empty selector matches one destination the same way, so two
    // evaluations settle all of them, however many there are. This is also
    // where strictMatchLabels and label emptiness come in.
    let emptyMatchBefore: boolean | undefined;
    let emptyMatchAfter: boolean | undefined;
    if (this.watchEmpty.size > 0 || hasEmptySelector(placedResources)) {
      emptyMatchBefore = isLive(before) && matches(EMPTY_SELECTOR, before);
      emptyMatchAfter = isLive(after) && matches(EMPTY_SELECTOR, after);
    }

    // A group with pairs can only flip if one of its pairs is the
    // destination's value of a changed key, before or after; any other group
    // either fails on that key both times or does not mention it.
    const candidates = new Set<Entry>();
    if (wholesale) {
      for (const destination of [before, after]) {
        if (!destination) continue;
        for (const [key, value] of Object.entries(destination.labels)) {
          addAll(candidates, this.watchByPair.get(key)?.get(value));
        }
      }
    } else {
      for (const key of changedKeys) {
        const byValue = this.watchByPair.get(key);
        if (!byValue) continue;
        for (const value of [
          valueOf(before.labels, key),
          valueOf(after.labels, key),
        ]) {
          if (value !== undefined) addAll(candidates, byValue.get(value));
        }
      }
    }

    const reportFlip = (
      entry: Entry,
      wasEligible: boolean,
      isEligible: boolean,
    ) => {
      if (wasEligible === isEligible) return;
      // An unscheduled resource group that loses a candidate had nothing
      // placed to lose; only gaining one can schedule it.
      if (entry.isDependency || entry.placedOn.size > 0 || isEligible) {
        affected.add(entry.ref);
      }
    };

    for (const entry of candidates) {
      reportFlip(entry, eligible(entry, before), eligible(entry, after));
    }
    for (const entry of this.watchEmpty) {
      reportFlip(
        entry,
        eligible(entry, before, emptyMatchBefore),
        eligible(entry, after, emptyMatchAfter),
      );
    }

    // Resource groups placed here are few per destination; dependency groups
    // placed here are watching, so the loops above have covered them.
    if (liveBefore && liveAfter && placedResources) {
      for (const entry of placedResources) {
        if (affected.has(entry.ref)) continue;
        if (entry.keys.length === 0) {
          reportFlip(
            entry,
            eligible(entry, before, emptyMatchBefore),
            eligible(entry, after, emptyMatchAfter),
          );
        } else if (wholesale || mentionsAny(entry, changedKeys)) {
          reportFlip(entry, eligible(entry, before), eligible(entry, after));
        }
      }
    }

    return { refs: [...affected].sort(), evaluations };
  }
}

/** Not gone and not being deleted: its placements count as kept or misplaced. */
function isLive(
  destination: DestinationCandidate | undefined,
): destination is DestinationCandidate {
  return destination !== undefined && !destination.deleting;
}

/** Whether nothing besides labels rules the destination out. */
function takesWork(
  destination: DestinationCandidate | undefined,
): destination is DestinationCandidate {
  return (
    destination !== undefined && !destination.deleting && !destination.dryRun
  );
}

function diffKeys(before: Labels, after: Labels): string[] {
  const keys: string[] = [];
  for (const key of Object.keys(before)) {
    if (before[key] !== valueOf(after, key)) keys.push(key);
  }
  for (const key of Object.keys(after)) {
    if (valueOf(before, key) === undefined) keys.push(key);
  }
  return keys;
}

function refutedByChangedKeys(
  entry: Entry,
  changedKeys: string[],
  destination: DestinationCandidate,
): boolean {
  for (const key of changedKeys) {
    const wanted = valueOf(entry.resolved, key);
    if (wanted !== undefined && valueOf(destination.labels, key) !== wanted) {
      return true;
    }
  }
  return false;
}

function mentionsAny(entry: Entry, keys: string[]): boolean {
  return keys.some(key => valueOf(entry.resolved, key) !== undefined);
}

function hasEmptySelector(entries: Set<Entry> | undefined): boolean {
  if (!entries) return false;
  for (const entry of entries) {
    if (entry.keys.length === 0) return true;
  }
  return false;
}

function addAll<T>(target: Set<T>, source: Iterable<T> | undefined): void {
  if (!source) return;
  for (const item of source) target.add(item);
}

function addToSetMap<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function removeFromSetMap<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

function addToPairIndex(
  index: PairIndex,
  key: string,
  value: string,
  entry: Entry,
): void {
  let byValue = index.get(key);
  if (!byValue) {
    byValue = new Map();
    index.set(key, byValue);
  }
  addToSetMap(byValue, value, entry);
}

function removeFromPairIndex(
  index: PairIndex,
  key: string,
  value: string,
  entry: Entry,
): void {
  const byValue = index.get(key);
  if (!byValue) return;
  removeFromSetMap(byValue, value, entry);
  if (byValue.size === 0) index.delete(key);
}
