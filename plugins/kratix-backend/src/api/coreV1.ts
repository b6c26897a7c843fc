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
import type { ObjectStore } from '../store/types';
import { authorize } from '../permissions/authorize';
import { labelSelectorOf } from './query';
import {
  badRequest,
  methodNotAllowed,
  notFound,
  resourceName,
} from '../objects/errors';
import { routeNotFound } from './status';

const KINDS: Record<string, KindInfo> = { pods: POD_KIND, events: EVENT_KIND };

/** Fields `?fieldSelector=` may name, per kind (Kubernetes' own subset). */
const SELECTABLE: Record<string, string[]> = {
  Pod: ['metadata.name', 'metadata.namespace', 'status.phase'],
  Event: [
    'metadata.name',
    'metadata.namespace',
    'involvedObject.apiVersion',
    'involvedObject.kind',
    'involvedObject.name',
    'involvedObject.namespace',
    'involvedObject.uid',
    'reason',
    'type',
  ],
};

interface FieldRequirement {
  field: string;
  value: string;
  equal: boolean;
}

/** `a=b,c!=d` (`==` too), as kube-apiserver parses a fieldSelector. */
export function parseFieldSelector(
  text: string,
  kind: KindInfo,
): FieldRequirement[] {
  return text
    .split(',')
    .filter(term => term.trim() !== '')
    .map(term => {
      const match = /^\s*([^=!\s]+)\s*(==|!=|=)\s*([^,]*?)\s*$/.exec(term);
      if (!match) {
        throw badRequest(`invalid fieldSelector term "${term}"`);
      }
      const [, field, operator, value] = match;
      if (!SELECTABLE[kind.kind].includes(field)) {
        throw badRequest(
          `"${field}" is not a known field selector: only "${SELECTABLE[
            kind.kind
          ].join('", "')}"`,
        );
      }
      return { field, value, equal: operator !== '!=' };
    });
}

function fieldValue(object: KubeObject, field: string): string {
  let value: unknown = object;
  for (const part of field.split('.')) {
    value =
      value && typeof value === 'object'
        ? (value as Record<string, unknown>)[part]
        : undefined;
  }
  return value === undefined || value === null ? '' : String(value);
}

/** A Pod as Kubernetes shows it: logs are read through `/log`. */
function shown(object: KubeObject): KubeObject {
  if (object.kind !== 'Pod' || !object.status?.[LOGS_FIELD]) return object;
  const { [LOGS_FIELD]: _, ...status } = object.status;
  return { ...object, status };
}

function singleQuery(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw badRequest(`${name} must be given once, as a string`);
  }
  return value;
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
  store: ObjectStore;
  permissions: PermissionsService;
}): express.Router {
  const { store, permissions } = options;
  const router = Router();

  const allowRead = (res: Response, kind?: KindInfo) =>
    authorize(
      permissions,
      res.locals.credentials as BackstageCredentials,
      [kratixReadPermission],
      kind ? resourceName(kind) : undefined,
    );

  const kindOf = (req: Request) => {
    const kind = KINDS[req.params.plural];
    if (!kind) throw routeNotFound();
    return kind;
  };

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
    await allowRead(res, kind);
    const fieldQuery = singleQuery(req, 'fieldSelector');
    const fields = fieldQuery ? parseFieldSelector(fieldQuery, kind) : [];
    const items = (
      await store.list(kind, {
        namespace: req.params.namespace,
        labelSelector: labelSelectorOf(req),
      })
    ).filter(o =>
      fields.every(f => (fieldValue(o, f.field) === f.value) === f.equal),
    );
    res.json({
      apiVersion: 'v1',
      kind: `${kind.kind}List`,
      metadata: { resourceVersion: '' },
      items: items.map(shown),
    });
  };
  router.get('/api/v1/:plural', list);
  router.get('/api/v1/namespaces/:namespace/:plural', list);

  const get = async (req: Request, res: Response) => {
    const kind = kindOf(req);
    await allowRead(res, kind);
    const object = await store.get({
      ...kind,
      namespace: req.params.namespace,
      name: req.params.name,
    });
    if (!object) throw notFound(kind, req.params.name);
    return object;
  };
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
