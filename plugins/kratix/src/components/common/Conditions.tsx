import { StatusError, StatusOK, StatusPending } from '@backstage/core-components';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { Condition } from '@kratix-backstage/plugin-kratix-common';

export function ConditionStatus(props: { condition?: Condition; text?: string }) {
  const c = props.condition;
  const text = props.text ?? c?.reason ?? 'Unknown';
  if (!c || c.status === 'Unknown') return <StatusPending>{text}</StatusPending>;
  return c.status === 'True' ? (
    <StatusOK>{text}</StatusOK>
  ) : (
    <StatusError>{text}</StatusError>
  );
}

/** Ready, Pending, or the reason it is not ready. */
export function readyText(ready?: Condition): string {
  if (!ready) return 'Pending';
  return ready.status === 'True' ? 'Ready' : ready.reason;
}

export function findCondition(conditions: Condition[] | undefined, type: string) {
  return conditions?.find(c => c.type === type);
}

export function ConditionsTable(props: { conditions?: Condition[] }) {
  const conditions = props.conditions ?? [];
  if (conditions.length === 0)
    return (
      <Typography variant="body2" color="textSecondary">
        No conditions reported yet.
      </Typography>
    );
  return (
    <Table size="small" aria-label="Conditions">
      <TableHead>
        <TableRow>
          <TableCell>Type</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>Reason</TableCell>
          <TableCell>Message</TableCell>
          <TableCell>Since</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {conditions.map(c => (
          <TableRow key={c.type}>
            <TableCell>{c.type}</TableCell>
            <TableCell style={{ whiteSpace: 'nowrap' }}>
              <ConditionStatus condition={c} text={c.status} />
            </TableCell>
            <TableCell>{c.reason}</TableCell>
            <TableCell>{c.message}</TableCell>
            <TableCell>{c.lastTransitionTime ?? ''}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
