import {
  KubeObject,
  LabelRequirement,
} from '@kratix-backstage/plugin-kratix-common';
import { isError } from '@backstage/errors';
import { Request, Response } from 'express';
import type { KindInfo } from '../admission/types';
import type { ObjectStore } from '../store/types';
import { apiVersionOf } from '../objects/ObjectOperations';
import { badRequest } from './status';
import { visibleChange } from '../objects/visibleChange';

export interface WatchRequest {
  kind: KindInfo;
  namespace?: string;
  labelSelector?: LabelRequirement[];
  /** Absent or "0": the current objects as ADDED first, as kube-apiserver does. */
  resourceVersion?: string;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
}

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** The parameters of `?watch=true`, checked. */
export function watchRequestOf(
  req: Request,
  kind: KindInfo,
  labelSelector: LabelRequirement[] | undefined,
): WatchRequest {
  const { resourceVersion, allowWatchBookmarks, timeoutSeconds } = req.query;
  if (
    resourceVersion !== undefined &&
    (typeof resourceVersion !== 'string' || !/^\d*$/.test(resourceVersion))
  ) {
    throw badRequest(`invalid resourceVersion "${String(resourceVersion)}"`);
  }
  let timeout: number | undefined;
  if (timeoutSeconds !== undefined) {
    timeout = Number(timeoutSeconds);
    if (!Number.isInteger(timeout) || timeout < 0) {
      throw badRequest(`invalid timeoutSeconds "${String(timeoutSeconds)}"`);
    }
  }
  return {
    kind,
    namespace: req.params.namespace,
    labelSelector,
    resourceVersion: resourceVersion || undefined,
    allowBookmarks:
      allowWatchBookmarks === 'true' || allowWatchBookmarks === '1',
    timeoutSeconds: timeout,
  };
}

/**
 * Streams a watch in kube-apiserver's format: one JSON event a line,
 * `{"type": ..., "object": ...}`, until the client goes, the timeout ends
 * it, or the backend stops. A compacted resourceVersion ends it with an
 * ERROR event carrying a 410 Expired Status, which clients answer by
 * relisting.
 */
export async function serveWatch(
  store: ObjectStore,
  watch: WatchRequest,
  res: Response,
  options: {
    bookmarkEveryMs: number;
    signal?: AbortSignal;
    /** Only objects the caller may see (a conditional permission). */
    filter?: (object: KubeObject) => boolean;
  },
) {
  const { kind, namespace } = watch;
  const abort = new AbortController();
  const stop = () => abort.abort();
  res.on('close', stop);
  options.signal?.addEventListener('abort', stop);
  const timers: NodeJS.Timeout[] = [];
  if (watch.timeoutSeconds) {
    timers.push(setTimeout(stop, watch.timeoutSeconds * 1000));
  }

  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.flushHeaders();
  const send = (type: WatchEventType, object: unknown) => {
    if (!abort.signal.aborted)
      res.write(`${JSON.stringify({ type, object })}\n`);
  };

  let last: number;
  if (watch.resourceVersion === undefined || watch.resourceVersion === '0') {
    const page = await store.listPage(kind, {
      ...(namespace !== undefined ? { namespace } : {}),
      ...(watch.labelSelector ? { labelSelector: watch.labelSelector } : {}),
    });
    for (const item of page.items) {
      if (!options.filter || options.filter(item)) send('ADDED', item);
    }
    last = Number(page.resourceVersion);
  } else {
    last = Number(watch.resourceVersion);
  }

  if (watch.allowBookmarks) {
    const bookmark = () =>
      send('BOOKMARK', {
        apiVersion: apiVersionOf(kind),
        kind: kind.kind,
        metadata: { resourceVersion: String(last) },
      });
    timers.push(setInterval(bookmark, options.bookmarkEveryMs));
  }

  try {
    for await (const change of store.watch({
      since: last,
      kinds: [{ group: kind.group, kind: kind.kind }],
      signal: abort.signal,
    })) {
      last = change.resourceVersion ?? last;
      if (
        namespace !== undefined &&
        change.object.metadata.namespace !== namespace
      ) {
        continue;
      }
      const event = visibleChange(change, watch.labelSelector);
      if (event && (!options.filter || options.filter(event.object))) {
        send(event.type, event.object);
      }
    }
  } catch (error) {
    if (isError(error) && error.name === 'ResourceVersionExpiredError') {
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: error.message,
        reason: 'Expired',
        code: 410,
      });
    } else if (!abort.signal.aborted) {
      throw error;
    }
  } finally {
    timers.forEach(t => clearTimeout(t));
    res.off('close', stop);
    options.signal?.removeEventListener('abort', stop);
    abort.abort();
    res.end();
  }
}
