import Chip from '@material-ui/core/Chip';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { SchedulingExplanation } from '@kratix-backstage/plugin-kratix-common';
import { SOURCE_NAMES, verdictText } from '../../lib/verdicts';

/**
 * Why a workload group goes where it goes, or nowhere: each required label
 * with the source that asked for it, asks that lost to the Promise, and per
 * destination what it lacks or contradicts.
 */
export function SchedulingExplanationView(props: {
  explanation: SchedulingExplanation;
  directory: string;
}) {
  const { explanation: e, directory } = props;
  return (
    <div>
      <Typography variant="body1" gutterBottom>
        {e.summary}
      </Typography>
      {e.requirements.length > 0 ? (
        <Table size="small" aria-label={`Labels required for ${directory}`}>
          <TableHead>
            <TableRow>
              <TableCell>Required label</TableCell>
              <TableCell>Asked for by</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {e.requirements.map(r => (
              <TableRow key={r.key}>
                <TableCell>
                  <code>
                    {r.key}={r.value}
                  </code>
                </TableCell>
                <TableCell>
                  <Chip size="small" variant="outlined" label={r.source} />{' '}
                  {SOURCE_NAMES[r.source]}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : (
        <Typography variant="body2">
          No selector applies: any destination without strictMatchLabels can take it.
        </Typography>
      )}
      {e.overridden.length > 0 && (
        <ul aria-label="Overridden asks">
          {e.overridden.map(o => (
            <li key={`${o.source}/${o.key}/${o.value}`}>
              <Typography variant="body2">
                {SOURCE_NAMES[o.source]} asked for {o.key}={o.value}, but{' '}
                {SOURCE_NAMES[o.by]}'s {o.key}={e.resolved[o.key]} wins.
              </Typography>
            </li>
          ))}
        </ul>
      )}
      <Typography variant="body2" color="textSecondary" style={{ marginTop: 8 }}>
        {directory === '.'
          ? 'All sources are merged: the Promise wins over a promise workflow, which wins over a resource workflow. A workflow can narrow where this goes, but never override the Promise.'
          : `The directory ${directory} is its own workload group, scheduled by its own selectors alone: the Promise's selectors and the root entry do not apply to it (as in Kratix).`}
      </Typography>
      {e.destinations.length > 0 && (
        <>
          <Typography variant="subtitle2" component="h4" style={{ marginTop: 8 }}>
            Destinations, closest first
          </Typography>
          <ul aria-label={`Destinations for ${directory}`}>
            {e.destinations.map(v => (
              <li key={v.name}>
                <Typography variant="body2">{verdictText(v)}</Typography>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
