import type { WorkGroupStatus } from '@kratix-backstage/plugin-kratix-common';
import { nameList } from './nameList';

/** Where a workload group went, as a table cell says it: misplaced ones marked. */
export function placedOn(g: Pick<WorkGroupStatus, 'unscheduled' | 'destinations' | 'misplaced'>): string {
  if (g.unscheduled) return 'not scheduled';
  return nameList(g.destinations.map(d => (g.misplaced.includes(d) ? `${d} (misplaced)` : d)));
}
