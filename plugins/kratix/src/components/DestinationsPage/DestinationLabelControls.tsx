import type { Labels } from '@kratix-backstage/plugin-kratix-common';
import { LabelChips } from '../common/LabelChips';
import { PermittedButton } from '../common/PermittedButton';
import { useCanLabelDestination } from '../common/useKratixPermission';
import type { LabelChange } from './LabelChangeDialog';

/**
 * A destination's labels with add and remove: the remove buttons are
 * hidden and "Add label" disabled (saying why) for a user who may not
 * relabel this destination.
 */
export function DestinationLabelControls(props: {
  name: string;
  labels?: Labels;
  onChange: (change: LabelChange) => void;
}) {
  const permission = useCanLabelDestination(props.name);
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8, flexWrap: 'wrap' }}>
      <LabelChips
        labels={props.labels}
        ariaLabel={`Labels of ${props.name}`}
        onDelete={!permission.denied ? key => props.onChange({ action: 'remove', key }) : undefined}
      />
      <PermittedButton
        permission={permission}
        size="small"
        variant="outlined"
        aria-label={`Add label to ${props.name}`}
        onClick={() => props.onChange({ action: 'add' })}
      >
        Add label
      </PermittedButton>
    </div>
  );
}
