import { LoggerService } from '@backstage/backend-plugin-api';
import { ObjectChange } from './types';

/**
 * In-process change listeners. A listener's failure is its own problem: the
 * write it reports has already been committed.
 */
export class ChangeNotifier {
  readonly #listeners = new Set<(change: ObjectChange) => void>();
  readonly #logger?: LoggerService;

  constructor(logger?: LoggerService) {
    this.#logger = logger;
  }

  subscribe(listener: (change: ObjectChange) => void): () => void {
    // Wrapped so the same function can subscribe twice and unsubscribe once.
    const entry = (change: ObjectChange) => listener(change);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  notify(change: ObjectChange) {
    if (this.#listeners.size === 0) {
      return;
    }
    // Each listener gets its own copy: listeners may mutate what they get.
    const json = JSON.stringify(change);
    for (const listener of [...this.#listeners]) {
      try {
        listener(JSON.parse(json));
      } catch (error) {
        this.#logger?.error(
          'Kratix object change listener failed',
          error as Error,
        );
      }
    }
  }
}
