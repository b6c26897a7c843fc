import { StatusError, StatusOK, StatusPending } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { Condition } from '@kratix-backstage/plugin-kratix-common';
import { Identifier } from './Identifier';
import { SimpleTable } from './SimpleTable';

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
    <SimpleTable
      label="Conditions"
      rows={conditions}
      rowKey={c => c.type}
      columns={[
        { title: 'Type', cell: c => <Identifier name={c.type} /> },
        {
          title: 'Status',
          cell: c => <ConditionStatus condition={c} text={c.status} />,
          style: { whiteSpace: 'nowrap' },
        },
        { title: 'Reason', cell: c => <Identifier name={c.reason} /> },
        { title: 'Message', cell: c => c.message },
        { title: 'Since', cell: c => c.lastTransitionTime ?? '' },
      ]}
    />
  );
}
