import Typography from '@material-ui/core/Typography';
import type { WhatIfChange } from '../../api/KratixApi';
import { describeChange } from '../../lib/whatIf';

/** The changes a label change on `destination` would make, one sentence each. */
export function WhatIfChangeList(props: { changes: WhatIfChange[]; destination: string; ariaLabel: string }) {
  return (
    <ul aria-label={props.ariaLabel}>
      {props.changes.map(c => (
        <li key={`${c.namespace}/${c.work}/${c.workloadGroupId}/${c.change}`}>
          <Typography variant="body2">{describeChange(c, props.destination)}</Typography>
        </li>
      ))}
    </ul>
  );
}
