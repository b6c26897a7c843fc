import Button, { ButtonProps } from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import type { KratixPermission } from './useKratixPermission';

/**
 * A button disabled for a user the permission denies, with a tooltip
 * saying why. The wrapper span is there because a disabled button gets no
 * hover events.
 */
export function PermittedButton(props: ButtonProps & { permission: KratixPermission }) {
  const { permission, disabled, ...rest } = props;
  const button = <Button {...rest} disabled={disabled || permission.denied} />;
  if (!permission.reason) return button;
  return (
    <Tooltip title={permission.reason}>
      <span>{button}</span>
    </Tooltip>
  );
}
