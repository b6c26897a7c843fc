/*
 * Destinations by name, with their labels indexed, so the scheduler finds
 * the destinations a workload group may go to (and, when there are none,
 * the ones closest to taking it) without visiting every destination: at
 * 10,000 destinations a Work reconcile otherwise spends most of its time
 * here, once per group.
 */
import { candidateDestinations, matchesDestination } from './scheduling';
import { DestinationCandidate, Labels } from './types';

/** Kept out of everything new, whatever their labels. */
const isOut = (d: DestinationCandidate) => Boolean(d.deleting || d.dryRun);

export class DestinationCatalog {
  readonly #byName = new Map<string, DestinationCandidate>();
  /** label key → label value → names of the destinations with that label. */
  readonly #byLabel = new Map<string, Map<string, Set<string>>>();
  /** Being deleted or dry-run. */
  #outCount = 0;
  #sorted?: DestinationCandidate[];

  static of(destinations: DestinationCandidate[]): DestinationCatalog {
    const catalog = new DestinationCatalog();
    for (const d of destinations) catalog.upsert(d);
    return catalog;
  }

  get size(): number {
    return this.#byName.size;
  }

  get(name: string): DestinationCandidate | undefined {
    return this.#byName.get(name);
  }

  /** Adds a destination, or replaces the one of the same name. */
  upsert(destination: DestinationCandidate): void {
    this.remove(destination.name);
    this.#byName.set(destination.name, destination);
    if (isOut(destination)) this.#outCount += 1;
    for (const [key, value] of Object.entries(destination.labels ?? {})) {
      let values = this.#byLabel.get(key);
      if (!values) this.#byLabel.set(key, (values = new Map()));
      let names = values.get(value);
      if (!names) values.set(value, (names = new Set()));
      names.add(destination.name);
    }
    this.#sorted = undefined;
  }

  remove(name: string): void {
    const old = this.#byName.get(name);
    if (!old) return;
    this.#byName.delete(name);
    if (isOut(old)) this.#outCount -= 1;
    for (const [key, value] of Object.entries(old.labels ?? {})) {
      const values = this.#byLabel.get(key)!;
      const names = values.get(value)!;
      names.delete(name);
      if (names.size === 0) values.delete(value);
      if (values.size === 0) this.#byLabel.delete(key);
    }
    this.#sorted = undefined;
  }

  /** By name: the order random picks and explanations are made in. */
  all(): DestinationCandidate[] {
    this.#sorted ??= [...this.#byName.values()].sort(byName);
    return this.#sorted;
  }

  /** Whether some destination is being deleted or is dry-run. */
  hasExcluded(): boolean {
    return this.#outCount > 0;
  }

  /**
   * What `candidateDestinations` answers over `all()`: the destinations
   * that may take a group asking for these labels, by name. Only the
   * destinations with the rarest of the labels are looked at.
   */
  matching(resolved: Labels): DestinationCandidate[] {
    const pairs = Object.entries(resolved);
    let rarest: Set<string> | undefined;
    for (const [key, value] of pairs) {
      const names = this.#withLabel(key, value);
      if (!names) return [];
      if (!rarest || names.size < rarest.size) rarest = names;
    }
    const pool = rarest
      ? [...rarest].map(name => this.#byName.get(name)!).sort(byName)
      : this.all();
    return candidateDestinations(resolved, pool);
  }

  /**
   * The first `n` destinations in `closestFirst` order (fewest labels
   * missing or contradicted first, excluded ones last, ties by name), for
   * a group no destination matches. Only destinations with one of the
   * labels are ranked; the rest tie, so the first of them by name fill up.
   */
  closest(resolved: Labels, n: number): DestinationCandidate[] {
    const pairs = Object.entries(resolved);
    const excluded = (d: DestinationCandidate) =>
      isOut(d) || (pairs.length === 0 && !matchesDestination(resolved, d));
    const hits = new Map<string, number>();
    for (const [key, value] of pairs) {
      for (const name of this.#withLabel(key, value) ?? []) {
        hits.set(name, (hits.get(name) ?? 0) + 1);
      }
    }
    const ranked = [...hits]
      .map(([name, count]) => ({ d: this.#byName.get(name)!, count }))
      .filter(({ d }) => !excluded(d))
      .sort((a, b) => b.count - a.count || byName(a.d, b.d))
      .map(({ d }) => d);
    const out = ranked.slice(0, n);
    const fill = (take: (d: DestinationCandidate) => boolean) => {
      for (const d of this.all()) {
        if (out.length >= n) return;
        if (take(d)) out.push(d);
      }
    };
    fill(d => !hits.has(d.name) && !excluded(d));
    fill(excluded);
    return out;
  }

  #withLabel(key: string, value: string): Set<string> | undefined {
    return this.#byLabel.get(key)?.get(value);
  }
}

function byName(a: DestinationCandidate, b: DestinationCandidate): number {
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}
