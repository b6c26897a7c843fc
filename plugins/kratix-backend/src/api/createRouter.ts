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
import type {
  KratixKindRef,
  KratixObjectRef,
  KratixObjectService,
} from '@kratix-backstage/plugin-kratix-node';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import type { KindInfo, KindRegistry } from '../admission/types';
import type { ObjectStore } from '../store/types';
import { serveWatch, watchParamsOf } from './watch';
import { labelSelectorParamOf, singleQuery } from './query';
import { schedulingQueries } from './schedulingQueries';
import { coreV1Router } from './coreV1';
import { authorize } from '../permissions/authorize';
import {
  applyBodyParser,
  MERGE_PATCH_CONTENT_TYPE,
  objectBodyParsers,
  readObjectBody,
} from './body';
import { badRequest, methodNotAllowed } from '../objects/errors';
import { isPlainObject } from '../objects/mergePatch';
import { apiVersionOf } from '../objects/ObjectOperations';
import {
  notFoundHandler,
  routeNotFound,
  statusErrorHandler,
  success,
  unsupportedMediaType,
} from './status';

export interface RouterOptions {
  /** The object service every object route calls, as the caller. */
  objects: KratixObjectService;
  /** Which kind a path's group, version and plural name. */
  kinds: KindRegistry;
  /** For the scheduling questions (explain, what-if). */
  store: ObjectStore;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
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
 * multi-document YAML, every error a Kubernetes `Status`. Only HTTP lives
 * here (paths, bodies, content types, status codes, streaming): every
 * object route is one call of the object service with the caller's
 * credentials, whose domain errors `statusErrorHandler` maps by class.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { objects, kinds, store, httpAuth, permissions, logger } = options;
  const as = (res: Response) => ({
    credentials: res.locals.credentials as BackstageCredentials,
  });
  const router = Router();

  // Users and services (the static external-access token is a service).
  router.use(async (req, res, next) => {
    res.locals.credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    next();
  });

  const allow = (res: Response, wanted: BasicPermission[]) =>
    authorize(permissions, as(res).credentials, wanted);

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
  const kindRef = (kind: KindInfo): KratixKindRef => ({
    apiVersion: apiVersionOf(kind),
    kind: kind.kind,
  });
  /** The object an item path names, and its kind. */
  const itemOf = (req: Request): [KindInfo, KratixObjectRef] => {
    const { name, namespace } = req.params;
    const kind = kindOf(req, namespace !== undefined);
    return [
      kind,
      { ...kindRef(kind), name, ...(namespace ? { namespace } : {}) },
    ];
  };

  const listOf = (
    kind: KindInfo,
    items: KubeObject[],
    metadata: { resourceVersion: string; continue?: string } = {
      resourceVersion: '',
    },
  ) => ({
    apiVersion: apiVersionOf(kind),
    kind: `${kind.kind}List`,
    metadata,
    items,
  });

  /** GET on a collection: a list (paged with limit/continue) or a watch. */
  const listOrWatch = async (req: Request, res: Response, kind: KindInfo) => {
    const namespace = req.params.namespace;
    const labelSelector = labelSelectorParamOf(req);
    if (req.query.watch === 'true' || req.query.watch === '1') {
      const params = watchParamsOf(req);
      await serveWatch(
        res,
        params,
        signal =>
          objects.watch(kindRef(kind), {
            ...as(res),
            ...(namespace !== undefined ? { namespace } : {}),
            ...(labelSelector !== undefined ? { labelSelector } : {}),
            ...(params.resourceVersion !== undefined
              ? { resourceVersion: params.resourceVersion }
              : {}),
            allowBookmarks: params.allowBookmarks,
            signal,
          }),
        options.signal,
      );
      return;
    }
    const fieldSelector = singleQuery(req, 'fieldSelector');
    const { items, ...metadata } = await objects.list(kindRef(kind), {
      ...as(res),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(labelSelector !== undefined ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
      ...pageOf(req),
    });
    res.json(listOf(kind, items, metadata));
  };

  router.post('/apply', applyBodyParser(), async (req, res) => {
    // A body parsed as JSON upstream is still a valid (YAML) document.
    let text = '';
    if (typeof req.body === 'string') text = req.body;
    else if (req.body && typeof req.body === 'object')
      text = Object.keys(req.body).length ? JSON.stringify(req.body) : '';
    res.json(await objects.apply(text, as(res)));
  });

  router.use(coreV1Router({ objects, permissions }));

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
    listOrWatch(req, res, kindOf(req, true)),
  );
  router.get([CLUSTER_ITEM, NAMESPACED_ITEM], async (req, res) => {
    const [, ref] = itemOf(req);
    res.json(await objects.get(ref, as(res)));
  });

  // Writes.
  router.post([CLUSTER_COLLECTION, NAMESPACED_COLLECTION], async (req, res) => {
    const namespace = req.params.namespace;
    const kind = kindOf(req, namespace !== undefined);
    const object = objectAt(kind, readObjectBody(req), namespace);
    res.status(201).json(await objects.create(object, as(res)));
  });

  router.put([CLUSTER_ITEM, NAMESPACED_ITEM], async (req, res) => {
    const [kind, ref] = itemOf(req);
    const object = objectAt(kind, readObjectBody(req), ref.namespace);
    const name = object.metadata?.name;
    if (typeof name === 'string' && name !== '' && name !== ref.name) {
      throw badRequest(
        `the name of the object (${name}) does not match the name on the URL (${ref.name})`,
      );
    }
    res.json(await objects.update(object, as(res)));
  });

  router.patch([CLUSTER_ITEM, NAMESPACED_ITEM], async (req, res) => {
    const [, ref] = itemOf(req);
    if (!req.is(MERGE_PATCH_CONTENT_TYPE)) {
      throw unsupportedMediaType(req.get('content-type'), [
        MERGE_PATCH_CONTENT_TYPE,
      ]);
    }
    res.json(await objects.patch(ref, req.body, as(res)));
  });

  router.delete([CLUSTER_ITEM, NAMESPACED_ITEM], async (req, res) => {
    const [kind, ref] = itemOf(req);
    const { gone, object } = await objects.delete(ref, as(res));
    // As kube-apiserver: the object while finalizers hold it, else a Status.
    res.json(
      gone
        ? success({
            name: ref.name,
            group: kind.group,
            kind: kind.plural,
            uid: object.metadata.uid,
          })
        : object,
    );
  });

  router.delete(
    [CLUSTER_COLLECTION, NAMESPACED_COLLECTION],
    async (req, res) => {
      const namespace = req.params.namespace;
      const kind = kindOf(req, namespace !== undefined);
      const labelSelector = labelSelectorParamOf(req);
      const items = await objects.deleteCollection(kindRef(kind), {
        ...as(res),
        ...(namespace !== undefined ? { namespace } : {}),
        ...(labelSelector !== undefined ? { labelSelector } : {}),
      });
      res.json(listOf(kind, items));
    },
  );

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

/**
 * A body sent to a path, as the object it names: apiVersion, kind and
 * (for a namespaced path) namespace default to the path's and must match
 * it, as kube-apiserver requires.
 */
function objectAt(
  kind: KindInfo,
  body: Record<string, unknown>,
  namespace: string | undefined,
): KubeObject {
  const apiVersion = body.apiVersion ?? apiVersionOf(kind);
  if (apiVersion !== apiVersionOf(kind)) {
    throw badRequest(
      `the API version in the data (${String(
        apiVersion,
      )}) does not match the expected API version (${apiVersionOf(kind)})`,
    );
  }
  const kindName = body.kind ?? kind.kind;
  if (kindName !== kind.kind) {
    throw badRequest(
      `the kind in the data (${String(
        kindName,
      )}) does not match the expected kind (${kind.kind})`,
    );
  }
  const object = { ...body, apiVersion, kind: kindName } as KubeObject;
  const metadata = body.metadata ?? {};
  // Metadata of the wrong shape is the object service's to refuse.
  if (namespace !== undefined && isPlainObject(metadata)) {
    const given = metadata.namespace;
    if (given === undefined || given === '') {
      object.metadata = { ...metadata, namespace } as KubeObject['metadata'];
    } else if (typeof given === 'string' && given !== namespace) {
      throw badRequest(
        `the namespace of the provided object (${given}) does not match the namespace sent on the request (${namespace})`,
      );
    }
  }
  return object;
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
