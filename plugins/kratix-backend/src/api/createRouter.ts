import type {
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { BasicPermission } from '@backstage/plugin-permission-common';
import {
  KubeObject,
  kratixReadPermission,
} from '@kratix-backstage/plugin-kratix-common';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import type { Admission, KindInfo, KindRegistry } from '../admission/types';
import type { ListOptions, ListPage, ObjectStore } from '../store/types';
import { serveWatch, watchRequestOf } from './watch';
import { labelSelectorOf } from './query';
import { schedulingQueries } from './schedulingQueries';
import { applyManifests } from '../objects/applyManifests';
import { coreV1Router } from './coreV1';
import { authorize, writePermissionForKind } from './authorization';
import { applyBodyParser, objectBodyParsers, readObjectBody } from './body';
import {
  applyMergePatch,
  isPlainObject,
  MERGE_PATCH_CONTENT_TYPE,
} from './mergePatch';
import { apiVersionOf, ObjectOperations } from '../objects/ObjectOperations';
import { requesterOf } from '../objects/objectService';
import { ObjectAuthorizer } from '../permissions/objectAuthorizer';
import {
  badRequest,
  methodNotAllowed,
  notFoundHandler,
  resourceName,
  routeNotFound,
  statusErrorHandler,
  unsupportedMediaType,
} from './status';

export interface RouterOptions {
  store: ObjectStore;
  kinds: KindRegistry;
  admission: Admission;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
  /** How often a watch with allowWatchBookmarks sends a BOOKMARK. */
  watchBookmarkMs?: number;
  /** Aborted at shutdown: open watches end. */
  signal?: AbortSignal;
}

const CLUSTER_COLLECTION = '/apis/:group/:version/:plural';
const CLUSTER_ITEM = '/apis/:group/:version/:plural/:name';
const NAMESPACED_COLLECTION =
  '/apis/:group/:version/namespaces/:namespace/:plural';
const NAMESPACED_ITEM =
  '/apis/:group/:version/namespaces/:namespace/:plural/:name';

/**
 * The Kubernetes-shaped HTTP API of the plugin (mounted at `/api/kratix`):
 * objects under `/apis/{group}/{version}/...`, `POST /apply` for
 * multi-document YAML, every error a Kubernetes `Status`.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { store, kinds, admission, httpAuth, permissions, logger } = options;
  const objects = new ObjectOperations(store, admission);
  const authorizer = new ObjectAuthorizer(permissions, store);
  const credentialsOf = (res: Response) =>
    res.locals.credentials as BackstageCredentials;
  const router = Router();

  // Users and services (the static external-access token is a service).
  router.use(async (req, res, next) => {
    res.locals.credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    next();
  });

  const allow = (res: Response, wanted: BasicPermission[], resource?: string) =>
    authorize(
      permissions,
      res.locals.credentials as BackstageCredentials,
      wanted,
      resource,
    );

  /**
   * The kind a path names. `namespaced` says which form the path has:
   * a cluster-scoped kind under a namespace path, or the reverse, is 404.
   * `undefined` accepts both (listing a namespaced kind across namespaces).
   */
  const kindOf = (req: Request, namespaced?: boolean): KindInfo => {
    const { group, version, plural } = req.params;
    const kind = kinds.byPlural(group, version, plural);
    if (!kind || (namespaced !== undefined && kind.namespaced !== namespaced)) {
      throw routeNotFound();
    }
    return kind;
  };

  const listOf = (
    kind: KindInfo,
    items: KubeObject[],
    metadata: Omit<ListPage, 'items'> = { resourceVersion: '' },
  ) => ({
    apiVersion: apiVersionOf(kind),
    kind: `${kind.kind}List`,
    metadata,
    items,
  });

  /** GET on a collection: a list (paged with limit/continue) or a watch. */
  const listOrWatch = async (
    req: Request,
    res: Response,
    kind: KindInfo,
    namespace?: string,
  ) => {
    const filter = await authorizer.readFilter(kind, credentialsOf(res));
    const labelSelector = labelSelectorOf(req);
    if (req.query.watch === 'true' || req.query.watch === '1') {
      await serveWatch(store, watchRequestOf(req, kind, labelSelector), res, {
        bookmarkEveryMs: options.watchBookmarkMs ?? 15_000,
        signal: options.signal,
        filter,
      });
      return;
    }
    const { items, ...metadata } = await objects.listPage(kind, {
      ...(namespace !== undefined ? { namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
      ...pageOf(req),
    });
    res.json(listOf(kind, filter ? items.filter(filter) : items, metadata));
  };

  router.post('/apply', applyBodyParser(), async (req, res) => {
    // A body parsed as JSON upstream is still a valid (YAML) document.
    let text = '';
    if (typeof req.body === 'string') text = req.body;
    else if (req.body && typeof req.body === 'object')
      text = Object.keys(req.body).length ? JSON.stringify(req.body) : '';
    const result = await applyManifests(text, {
      kinds,
      objects,
      authorize: wanted => allow(res, wanted),
      requestedBy: requesterOf(res.locals.credentials),
      authorizeObject: (kind, object) =>
        authorizer.authorizeApply(kind, object, credentialsOf(res)),
    });
    res.json(result);
  });

  router.use(coreV1Router({ store, permissions }));

  router.use('/apis', ...objectBodyParsers());

  // Discovery of the kinds a group/version serves (Kubernetes APIResourceList).
  router.get('/apis/:group/:version', async (req, res) => {
    const { group, version } = req.params;
    const served = kinds
      .list()
      .filter(k => k.group === group && k.version === version);
    if (served.length === 0) throw routeNotFound();
    await allow(res, [kratixReadPermission]);
    res.json({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${group}/${version}`,
      resources: served.map(k => ({
        name: k.plural,
        kind: k.kind,
        namespaced: k.namespaced,
        verbs: k.readOnly
          ? ['get', 'list']
          : [
              'create',
              'delete',
              'deletecollection',
              'get',
              'list',
              'patch',
              'update',
            ],
      })),
    });
  });

  // Reads.
  router.get(CLUSTER_COLLECTION, (req, res) =>
    listOrWatch(req, res, kindOf(req)),
  );
  router.get(NAMESPACED_COLLECTION, (req, res) =>
    listOrWatch(req, res, kindOf(req, true), req.params.namespace),
  );
  router.get([CLUSTER_ITEM, NAMESPACED_ITEM], async (req, res) => {
    const namespace = req.params.namespace;
    const kind = kindOf(req, namespace !== undefined);
    const filter = await authorizer.readFilter(kind, credentialsOf(res));
    const object = await objects.get(kind, req.params.name, namespace);
    if (filter && !filter(object)) {
      await authorizer.authorizeRead(kind, object, credentialsOf(res));
    }
    res.json(object);
  });

  // Writes.
  const writable = async (req: Request, res: Response, namespaced: boolean) => {
    const kind = kindOf(req, namespaced);
    await allow(res, [writePermissionForKind(kind)], resourceName(kind));
    return kind;
  };

  const creatable = async (req: Request, res: Response, kind: KindInfo) => {
    const body = readObjectBody(req);
    await authorizer.authorizeWrite(
      kind,
      ['create'],
      body as unknown as KubeObject,
      credentialsOf(res),
    );
    return body;
  };

  router.post(CLUSTER_COLLECTION, async (req, res) => {
    const kind = await writable(req, res, false);
    const body = await creatable(req, res, kind);
    res
      .status(201)
      .json(
        await objects.create(
          kind,
          body,
          undefined,
          requesterOf(res.locals.credentials),
        ),
      );
  });
  router.post(NAMESPACED_COLLECTION, async (req, res) => {
    const kind = await writable(req, res, true);
    const body = await creatable(req, res, kind);
    res
      .status(201)
      .json(
        await objects.create(
          kind,
          body,
          req.params.namespace,
          requesterOf(res.locals.credentials),
        ),
      );
  });

  router.put([CLUSTER_ITEM, NAMESPACED_ITEM], async (req, res) => {
    const namespace = req.params.namespace;
    const kind = await writable(req, res, namespace !== undefined);
    const body = readObjectBody(req);
    if (authorizer.governs(kind)) {
      const previous = await objects.get(kind, req.params.name, namespace);
      await authorizer.authorizeUpdate(
        kind,
        previous,
        body as unknown as KubeObject,
        credentialsOf(res),
      );
    }
    res.json(await objects.replace(kind, req.params.name, body, namespace));
  });

  router.patch([CLUSTER_ITEM, NAMESPACED_ITEM], async (req, res) => {
    const namespace = req.params.namespace;
    const kind = await writable(req, res, namespace !== undefined);
    if (!req.is(MERGE_PATCH_CONTENT_TYPE)) {
      throw unsupportedMediaType(req.get('content-type'), [
        MERGE_PATCH_CONTENT_TYPE,
      ]);
    }
    if (authorizer.governs(kind) && isPlainObject(req.body)) {
      const previous = await objects.get(kind, req.params.name, namespace);
      await authorizer.authorizeUpdate(
        kind,
        previous,
        applyMergePatch(previous, req.body) as KubeObject,
        credentialsOf(res),
      );
    }
    res.json(await objects.patch(kind, req.params.name, req.body, namespace));
  });

  router.delete([CLUSTER_ITEM, NAMESPACED_ITEM], async (req, res) => {
    const namespace = req.params.namespace;
    const kind = await writable(req, res, namespace !== undefined);
    if (authorizer.governs(kind)) {
      const previous = await objects.get(kind, req.params.name, namespace);
      await authorizer.authorizeWrite(
        kind,
        ['delete'],
        previous,
        credentialsOf(res),
      );
    }
    res.json(await objects.delete(kind, req.params.name, namespace));
  });

  /** Every object a collection delete would delete must be deletable. */
  const deletable = async (
    res: Response,
    kind: KindInfo,
    namespace: string | undefined,
    labelSelector: ListOptions['labelSelector'],
  ) => {
    if (!authorizer.governs(kind)) return;
    for (const object of await objects.list(kind, namespace, labelSelector)) {
      await authorizer.authorizeWrite(
        kind,
        ['delete'],
        object,
        credentialsOf(res),
      );
    }
  };

  router.delete(CLUSTER_COLLECTION, async (req, res) => {
    const kind = await writable(req, res, false);
    await deletable(res, kind, undefined, labelSelectorOf(req));
    const items = await objects.deleteCollection(
      kind,
      undefined,
      labelSelectorOf(req),
    );
    res.json(listOf(kind, items));
  });
  router.delete(NAMESPACED_COLLECTION, async (req, res) => {
    const kind = await writable(req, res, true);
    await deletable(res, kind, req.params.namespace, labelSelectorOf(req));
    const items = await objects.deleteCollection(
      kind,
      req.params.namespace,
      labelSelectorOf(req),
    );
    res.json(listOf(kind, items));
  });

  // A known kind with a method its path does not serve: 405, else 404.
  router.all(
    [CLUSTER_COLLECTION, CLUSTER_ITEM, NAMESPACED_COLLECTION, NAMESPACED_ITEM],
    async req => {
      const { group, version, plural } = req.params;
      if (!kinds.byPlural(group, version, plural)) throw routeNotFound();
      throw methodNotAllowed();
    },
  );

  router.use(schedulingQueries({ store, allow }));

  router.use(notFoundHandler);
  router.use(statusErrorHandler(logger));
  return router;
}

/** `?limit=` and `?continue=`, checked. */
function pageOf(req: Request): { limit?: number; continue?: string } {
  const { limit, continue: token } = req.query;
  const page: { limit?: number; continue?: string } = {};
  if (limit !== undefined && limit !== '') {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) {
      throw badRequest(
        `invalid limit "${String(limit)}": must be a whole number`,
      );
    }
    if (n > 0) page.limit = n;
  }
  if (token !== undefined && token !== '') {
    if (typeof token !== 'string') {
      throw badRequest('continue must be given once, as a string');
    }
    page.continue = token;
  }
  return page;
}
