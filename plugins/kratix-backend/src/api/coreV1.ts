import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  KubeObject,
  kratixReadPermission,
} from '@kratix-backstage/plugin-kratix-common';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import { EVENT_KIND, POD_KIND } from '../admission/kinds';
import { LOGS_FIELD } from '../controllers/pipelineRuns';
import type { KindInfo } from '../admission/types';
import type { KratixObjectService } from '@kratix-backstage/plugin-kratix-node';
import { authorize } from '../permissions/authorize';
import { labelSelectorParamOf, singleQuery } from './query';
import { badRequest, methodNotAllowed } from '../objects/errors';
import { apiVersionOf } from '../objects/ObjectOperations';
import { routeNotFound } from './status';

const KINDS: Record<string, KindInfo> = { pods: POD_KIND, events: EVENT_KIND };

/** A Pod as Kubernetes shows it: logs are read through `/log`. */
function shown(object: KubeObject): KubeObject {
  if (object.kind !== 'Pod' || !object.status?.[LOGS_FIELD]) return object;
  const { [LOGS_FIELD]: _, ...status } = object.status;
  return { ...object, status };
}

function positiveInteger(req: Request, name: string): number | undefined {
  const text = singleQuery(req, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) {
    throw badRequest(`${name} must be a non-negative integer, not "${text}"`);
  }
  return Number(text);
}

/** The end of a log: the last `lines` lines, then at most `bytes` bytes. */
export function logTail(text: string, lines?: number, bytes?: number) {
  let out = text;
  if (lines !== undefined) {
    const all = out.endsWith('\n')
      ? out.slice(0, -1).split('\n')
      : out.split('\n');
    out = lines === 0 ? '' : `${all.slice(-lines).join('\n')}\n`;
  }
  if (bytes !== undefined) {
    const buffer = Buffer.from(out);
    if (buffer.length > bytes) out = buffer.subarray(0, bytes).toString();
  }
  return out;
}

/**
 * Kubernetes' core `v1` paths for what the engine records about itself:
 * pipeline runs as Pods (with their containers' logs) and Events. Served
 * under `/api/v1`, read-only, with the `kratix.object.read` permission.
 * Expects the credentials the main router put in `res.locals`.
 */
export function coreV1Router(options: {
  objects: KratixObjectService;
  permissions: PermissionsService;
}): express.Router {
  const { objects, permissions } = options;
  const router = Router();
  const as = (res: Response) => ({
    credentials: res.locals.credentials as BackstageCredentials,
  });

  const allowRead = (res: Response) =>
    authorize(permissions, as(res).credentials, [kratixReadPermission]);

  const kindOf = (req: Request) => {
    const kind = KINDS[req.params.plural];
    if (!kind) throw routeNotFound();
    return kind;
  };
  const kindRef = (kind: KindInfo) => ({
    apiVersion: apiVersionOf(kind),
    kind: kind.kind,
  });

  router.get('/api', async (_req, res) => {
    await allowRead(res);
    res.json({ kind: 'APIVersions', versions: ['v1'] });
  });

  router.get('/api/v1', async (_req, res) => {
    await allowRead(res);
    res.json({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'v1',
      resources: [
        { name: 'events', kind: 'Event', namespaced: true },
        { name: 'pods', kind: 'Pod', namespaced: true },
        { name: 'pods/log', kind: 'Pod', namespaced: true },
      ].map(r => ({ ...r, verbs: ['get', 'list'] })),
    });
  });

  const list = async (req: Request, res: Response) => {
    const kind = kindOf(req);
    const { namespace } = req.params;
    const labelSelector = labelSelectorParamOf(req);
    const fieldSelector = singleQuery(req, 'fieldSelector');
    const { items, resourceVersion } = await objects.list(kindRef(kind), {
      ...as(res),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(labelSelector !== undefined ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    });
    res.json({
      apiVersion: 'v1',
      kind: `${kind.kind}List`,
      metadata: { resourceVersion },
      items: items.map(shown),
    });
  };
  router.get('/api/v1/:plural', list);
  router.get('/api/v1/namespaces/:namespace/:plural', list);

  const get = (req: Request, res: Response) =>
    objects.get(
      {
        ...kindRef(kindOf(req)),
        namespace: req.params.namespace,
        name: req.params.name,
      },
      as(res),
    );
  router.get(
    '/api/v1/namespaces/:namespace/:plural/:name',
    async (req, res) => {
      res.json(shown(await get(req, res)));
    },
  );

  router.get(
    '/api/v1/namespaces/:namespace/:plural/:name/log',
    async (req, res) => {
      if (req.params.plural !== 'pods') throw routeNotFound();
      const pod = await get(req, res);
      const names: string[] = (pod.spec?.containers ?? []).map(
        (c: { name: string }) => c.name,
      );
      let container = singleQuery(req, 'container');
      if (!container) {
        if (names.length !== 1) {
          throw badRequest(
            `a container name must be specified for pod ${
              pod.metadata.name
            }, choose one of: [${names.join(' ')}]`,
          );
        }
        container = names[0];
      }
      if (!names.includes(container)) {
        throw badRequest(
          `container ${container} is not valid for pod ${pod.metadata.name}`,
        );
      }
      const logs = pod.status?.[LOGS_FIELD]?.[container];
      if (typeof logs !== 'string') {
        throw badRequest(
          `container "${container}" in pod "${pod.metadata.name}" is waiting to start: PodInitializing`,
        );
      }
      res
        .type('text/plain')
        .send(
          logTail(
            logs,
            positiveInteger(req, 'tailLines'),
            positiveInteger(req, 'limitBytes'),
          ),
        );
    },
  );

  // Only the engine writes these.
  router.all(
    [
      '/api/v1/:plural',
      '/api/v1/namespaces/:namespace/:plural',
      '/api/v1/namespaces/:namespace/:plural/:name',
      '/api/v1/namespaces/:namespace/:plural/:name/log',
    ],
    async req => {
      throw methodNotAllowed(kindOf(req));
    },
  );

  return router;
}
