import {
  KratixExpiredError,
  KratixWatch,
} from '@kratix-backstage/plugin-kratix-node';
import { Request, Response } from 'express';
import { badRequest } from '../objects/errors';
import { toStatus } from './status';

/** The HTTP side of `?watch=true`: what the object service does not decide. */
export interface WatchParams {
  /** Absent: the current objects as ADDED first, as kube-apiserver does. */
  resourceVersion?: string;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
}

/** The parameters of `?watch=true`, each given once. */
export function watchParamsOf(req: Request): WatchParams {
  const { resourceVersion, allowWatchBookmarks, timeoutSeconds } = req.query;
  if (resourceVersion !== undefined && typeof resourceVersion !== 'string') {
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
    ...(resourceVersion ? { resourceVersion } : {}),
    allowBookmarks:
      allowWatchBookmarks === 'true' || allowWatchBookmarks === '1',
    ...(timeout ? { timeoutSeconds: timeout } : {}),
  };
}

/**
 * Streams a watch in kube-apiserver's format: one JSON event a line,
 * `{"type": ..., "object": ...}`, until the client goes, the timeout ends
 * it, or the backend stops. The status is sent once the watch is accepted,
 * so a refused one is answered with its own Status; a compacted version
 * ends the stream with an ERROR event carrying the 410 Expired Status,
 * which clients answer by relisting.
 */
export async function serveWatch(
  res: Response,
  params: WatchParams,
  open: (signal: AbortSignal) => KratixWatch<{ type: string; object: unknown }>,
  shutdown?: AbortSignal,
) {
  const abort = new AbortController();
  const stop = () => abort.abort();
  res.on('close', stop);
  shutdown?.addEventListener('abort', stop);
  let timer: NodeJS.Timeout | undefined;
  try {
    const watch = open(abort.signal);
    await watch.accepted;
    res.status(200);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-cache, private');
    res.flushHeaders();
    if (params.timeoutSeconds) {
      timer = setTimeout(stop, params.timeoutSeconds * 1000);
    }
    const send = (type: string, object: unknown) => {
      if (abort.signal.aborted) return;
      res.write(`${JSON.stringify({ type, object })}\n`);
      // Node corks a response at each write and uncorks it on the next
      // tick, which comes only once the engine's run of (synchronous)
      // SQLite calls gives the loop back: 12-16 ms later under load.
      res.socket?.uncork();
    };
    try {
      for await (const event of watch) send(event.type, event.object);
    } catch (error) {
      if (error instanceof KratixExpiredError) send('ERROR', toStatus(error));
      else if (!abort.signal.aborted) throw error;
    }
  } finally {
    clearTimeout(timer);
    res.off('close', stop);
    shutdown?.removeEventListener('abort', stop);
    abort.abort();
    if (res.headersSent) res.end();
  }
}
