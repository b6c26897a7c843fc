import {
  StateStoreWriter,
  StateStoreWriterFactory,
} from '@kratix-backstage/plugin-kratix-node';
import {
  DestinationObject,
  KRATIX_GROUP,
} from '@kratix-backstage/plugin-kratix-common';
import { ObjectStore } from '../store/types';

/** A state store problem a Destination or WorkPlacement reports as a condition. */
export class StateStoreError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/**
 * Finds the writer for a Destination's state store. Writers are cached per
 * state store version, so a changed spec takes effect at once.
 */
export class StateStores {
  private readonly cache = new Map<
    string,
    { version: string; writer: Promise<StateStoreWriter> }
  >();

  constructor(
    private readonly store: ObjectStore,
    private readonly factories: StateStoreWriterFactory[],
  ) {}

  kinds(): string[] {
    return this.factories.map(f => f.kind);
  }

  async writerFor(destination: DestinationObject): Promise<StateStoreWriter> {
    const ref = destination.spec?.stateStoreRef;
    if (!ref) {
      throw new StateStoreError(
        'StateStoreNotFound',
        `Destination "${destination.metadata.name}" has no spec.stateStoreRef`,
      );
    }
    const factory = this.factories.find(f => f.kind === ref.kind);
    if (!factory) {
      throw new StateStoreError(
        'StateStoreKindUnsupported',
        `no writer for state store kind "${ref.kind}"`,
      );
    }
    const stateStore = await this.store.get({
      group: KRATIX_GROUP,
      kind: ref.kind,
      name: ref.name,
    });
    if (!stateStore) {
      throw new StateStoreError(
        'StateStoreNotFound',
        `${ref.kind} "${ref.name}" not found`,
      );
    }
    const key = `${ref.kind}/${ref.name}`;
    const version = stateStore.metadata.resourceVersion ?? '';
    const cached = this.cache.get(key);
    if (cached?.version === version) return cached.writer;
    const writer = factory.create(stateStore);
    this.cache.set(key, { version, writer });
    try {
      return await writer;
    } catch (e) {
      this.cache.delete(key);
      throw new StateStoreError('StateStoreInvalid', (e as Error).message);
    }
  }
}
