import { useApi } from '@backstage/core-plugin-api';
import type {
  DestinationObject,
  Labels,
  WorkObject,
} from '@kratix-backstage/plugin-kratix-common';
import useAsync from 'react-use/esm/useAsync';
import { kratixApiRef, WhatIfChange } from '../../api/KratixApi';
import { KratixApiError } from '../../api/errors';
import { kratixPaths } from '../../api/paths';
import { localWhatIf } from '../../lib/whatIf';

/**
 * What a destination's new label set would schedule or mark misplaced: the
 * backend's what-if, or, where the backend has none (404/405), the same
 * answer computed in the browser from the Works.
 */
export function useWhatIf(
  destination: DestinationObject | undefined,
  labels: Labels | undefined,
) {
  const api = useApi(kratixApiRef);
  const key = labels ? JSON.stringify(labels) : undefined;
  return useAsync(async (): Promise<WhatIfChange[] | undefined> => {
    if (!destination || !labels) return undefined;
    try {
      const answer = await api.whatIfDestination(destination.metadata.name, labels);
      return answer.changes;
    } catch (e) {
      if (!(e instanceof KratixApiError) || ![404, 405].includes(e.code)) throw e;
      const works = await api.list<WorkObject>(kratixPaths.works());
      return localWhatIf(destination, labels, works.items);
    }
  }, [destination?.metadata.name, key]);
}
