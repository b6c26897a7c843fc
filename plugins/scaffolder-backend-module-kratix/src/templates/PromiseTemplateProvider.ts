import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
} from '@backstage/catalog-model';
import type {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  KRATIX_API_VERSION,
  PromiseObject,
} from '@kratix-backstage/plugin-kratix-common';
import {
  KratixExpiredError,
  KratixObjectService,
} from '@kratix-backstage/plugin-kratix-node';
import { promiseTemplate, PromiseTemplateOptions } from './promiseTemplate';

const PROMISE_KIND = { apiVersion: KRATIX_API_VERSION, kind: 'Promise' };
const RETRY_MS = 5_000;

/**
 * A Template per Promise in the catalog, kept current from the object
 * service's watch: one full mutation at start (and after the watch has
 * fallen behind the change feed), then a delta per Promise whose template
 * actually changed, so status updates of a Promise send nothing.
 */
export class PromiseTemplateProvider implements EntityProvider {
  private readonly sent = new Map<string, string>();
  private readonly stop = new AbortController();
  private running?: Promise<void>;

  constructor(
    private readonly options: {
      objects: KratixObjectService;
      auth: AuthService;
      logger: LoggerService;
      template: PromiseTemplateOptions;
    },
  ) {}

  getProviderName() {
    return 'kratix-promise-templates';
  }

  async connect(connection: EntityProviderConnection) {
    this.running = this.run(connection);
  }

  /** Stops following the change feed (backend shutdown). */
  async close() {
    this.stop.abort();
    await this.running;
  }

  private template(promise: PromiseObject): Entity | undefined {
    const entity = promiseTemplate(promise, this.options.template);
    if (!entity) return undefined;
    const location = `kratix:promises/${promise.metadata.name}`;
    entity.metadata.annotations = {
      ...entity.metadata.annotations,
      [ANNOTATION_LOCATION]: location,
      [ANNOTATION_ORIGIN_LOCATION]: location,
    };
    return entity;
  }

  private async run(connection: EntityProviderConnection) {
    const { objects, auth, logger } = this.options;
    const signal = this.stop.signal;
    while (!signal.aborted) {
      try {
        const credentials = await auth.getOwnServiceCredentials();
        const list = await objects.list<PromiseObject>(PROMISE_KIND, {
          credentials,
        });
        const entities = new Map<string, Entity>();
        for (const p of list.items) {
          const e = this.template(p);
          if (e) entities.set(p.metadata.name, e);
        }
        await connection.applyMutation({
          type: 'full',
          entities: [...entities.values()].map(entity => ({
            entity,
            locationKey: this.getProviderName(),
          })),
        });
        this.sent.clear();
        entities.forEach((e, name) => this.sent.set(name, JSON.stringify(e)));
        logger.info(`Templates for ${entities.size} Promises in the catalog`);

        for await (const event of objects.watch<PromiseObject>(PROMISE_KIND, {
          credentials,
          resourceVersion: list.resourceVersion,
          signal,
        })) {
          await this.apply(connection, event.type, event.object);
        }
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof KratixExpiredError) continue; // list again from now
        logger.warn(
          `Following Promises for their templates failed, retrying in ${
            RETRY_MS / 1000
          } s: ${e}`,
        );
        await new Promise(resolve => {
          const t = setTimeout(resolve, RETRY_MS);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve(undefined);
          });
        });
      }
    }
  }

  private async apply(
    connection: EntityProviderConnection,
    type: 'ADDED' | 'MODIFIED' | 'DELETED',
    promise: PromiseObject,
  ) {
    const name = promise.metadata.name;
    const entity = type === 'DELETED' ? undefined : this.template(promise);
    const json = entity && JSON.stringify(entity);
    const previous = this.sent.get(name);
    if (json === previous) return;
    const locationKey = this.getProviderName();
    const removed: Entity[] = [];
    if (
      previous &&
      (!entity || JSON.parse(previous).metadata.name !== entity.metadata.name)
    ) {
      removed.push(JSON.parse(previous));
    }
    await connection.applyMutation({
      type: 'delta',
      added: entity ? [{ entity, locationKey }] : [],
      removed: removed.map(e => ({ entity: e, locationKey })),
    });
    if (json) this.sent.set(name, json);
    else this.sent.delete(name);
  }
}
