import {
  DestinationObject,
  explainScheduling,
  closestFirst,
  groupsOnWorks,
  kratixReadPermission,
  labelChangeOutcomes,
  Labels,
  toCandidate,
  validateLabels,
  formatFieldErrors,
  WorkObject,
  WorkStatus,
} from '@kratix-backstage/plugin-kratix-common';
import type { BasicPermission } from '@backstage/plugin-permission-common';
import express, { Response } from 'express';
import Router from 'express-promise-router';
import {
  BUILT_IN_KINDS,
  DESTINATION_KIND,
  WORK_KIND,
} from '../admission/kinds';
import type { ObjectStore } from '../store/types';
import { badRequest, notFound } from '../objects/errors';
import { StatusError } from './status';

const WORKS = kindInfo(WORK_KIND.kind)!;
const DESTINATIONS = kindInfo(DESTINATION_KIND.kind)!;

/** Verdicts per group an explanation lists by default: the closest first. */
const DEFAULT_VERDICTS = 20;

/**
 * Read-only questions about scheduling, answered with the core the
 * scheduler itself uses so an answer cannot disagree with what it does:
 *
 * - `GET /explain/namespaces/:ns/works/:name`: per workload group, what it
 *   asks for, from which source, and per destination what is missing;
 * - `POST /whatif/destinations/:name` `{labels}`: what giving the
 *   destination those labels would place or mark misplaced.
 */
export function schedulingQueries(options: {
  store: ObjectStore;
  allow: (res: Response, wanted: BasicPermission[]) => Promise<unknown>;
}): express.Router {
  const { store, allow } = options;
  const router = Router();

  router.get('/explain/namespaces/:namespace/works/:name', async (req, res) => {
    await allow(res, [kratixReadPermission]);
    const { namespace, name } = req.params;
    const limit = verdictLimit(req.query.limit);
    const work = (await store.get({ ...WORK_KIND, namespace, name })) as
      | WorkObject
      | undefined;
    if (!work) throw notFound(WORKS, name);
    const candidates = (
      (await store.list(DESTINATION_KIND)) as DestinationObject[]
    ).map(toCandidate);
    const statuses = (work.status as WorkStatus | undefined)?.workloadGroups;
    res.json({
      groups: (work.spec?.workloadGroups ?? []).map(group => {
        const selectors = group.destinationSelectors ?? [];
        const explanation = explainScheduling(selectors, candidates);
        const byCloseness = closestFirst(explanation.destinations);
        return {
          id: group.id,
          directory: group.directory,
          selectors,
          placedOn: statuses?.find(s => s.id === group.id)?.destinations ?? [],
          explanation: {
            ...explanation,
            destinations: byCloseness.slice(0, limit),
            destinationCount: byCloseness.length,
          },
        };
      }),
    });
  });

  router.post(
    '/whatif/destinations/:name',
    express.json({ limit: '64kb' }),
    async (req, res) => {
      await allow(res, [kratixReadPermission]);
      const labels = labelsOf(req.body);
      const destination = (await store.get({
        ...DESTINATION_KIND,
        name: req.params.name,
      })) as DestinationObject | undefined;
      if (!destination) {
        throw notFound(DESTINATIONS, req.params.name);
      }
      const works = (await store.list(WORK_KIND)) as WorkObject[];
      res.json({
        destination: destination.metadata.name,
        labels,
        changes: labelChangeOutcomes(
          toCandidate(destination),
          labels,
          groupsOnWorks(works),
        ),
      });
    },
  );

  return router;
}

function kindInfo(kind: string) {
  return BUILT_IN_KINDS.find(k => k.kind === kind);
}

function verdictLimit(value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_VERDICTS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw badRequest(`invalid limit "${String(value)}": must be at least 1`);
  }
  return n;
}

function labelsOf(body: unknown): Labels {
  const labels = (body as { labels?: unknown } | undefined)?.labels;
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) {
    throw badRequest(
      'the body must be {"labels": {...}}: the complete label set to try',
    );
  }
  const problems = validateLabels(labels, 'labels');
  if (problems.length) {
    throw new StatusError(422, 'Invalid', formatFieldErrors(problems), {
      causes: problems.map(p => ({ ...p, reason: 'FieldValueInvalid' })),
    });
  }
  return labels as Labels;
}
