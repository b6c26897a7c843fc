import { performance } from 'node:perf_hooks';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  MetricsService,
  metricsServiceRef,
} from '@backstage/backend-plugin-api/alpha';

type Attributes = Record<string, unknown> | undefined;

/**
 * A metrics service whose counters keep their sums per attribute set, and
 * when each was last added to, so a bench can read what the backend counted.
 * Every other instrument records nothing.
 */
export class RecordingMetrics {
  readonly #sums = new Map<string, number>();
  readonly #lastAt = new Map<string, number>();

  /** The sum of a counter's adds carrying (at least) these attributes. */
  sum(name: string, attributes: Record<string, string> = {}): number {
    let total = 0;
    for (const [key, value] of this.#sums) {
      if (matches(key, name, attributes)) total += value;
    }
    return total;
  }

  /** `performance.now()` of the last add to that counter, or undefined. */
  lastAddAt(name: string, attributes: Record<string, string> = {}) {
    let last: number | undefined;
    for (const [key, at] of this.#lastAt) {
      if (matches(key, name, attributes)) last = Math.max(last ?? at, at);
    }
    return last;
  }

  /** Every counter seen, with its attribute sets and sums. */
  counters(): Record<string, number> {
    return Object.fromEntries(this.#sums);
  }

  factory() {
    return createServiceFactory({
      service: metricsServiceRef,
      deps: {},
      factory: () => this.#service(),
    });
  }

  #service(): MetricsService {
    const add = (name: string) => (value: number, attributes?: Attributes) => {
      const key = JSON.stringify([name, sorted(attributes)]);
      this.#sums.set(key, (this.#sums.get(key) ?? 0) + value);
      this.#lastAt.set(key, performance.now());
    };
    const ignored = { add() {}, record() {} };
    const observable = { addCallback() {}, removeCallback() {} };
    return {
      createCounter: name => ({ add: add(name) }),
      createUpDownCounter: () => ignored,
      createHistogram: () => ignored,
      createGauge: () => ignored,
      createObservableCounter: () => observable,
      createObservableUpDownCounter: () => observable,
      createObservableGauge: () => observable,
    };
  }
}

function sorted(attributes: Attributes): [string, string][] {
  return Object.entries(attributes ?? {})
    .map(([k, v]) => [k, String(v)] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

function matches(key: string, name: string, wanted: Record<string, string>) {
  const [keyName, entries] = JSON.parse(key) as [string, [string, string][]];
  if (keyName !== name) return false;
  const have = new Map(entries);
  return Object.entries(wanted).every(([k, v]) => have.get(k) === v);
}
