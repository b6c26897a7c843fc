import Button, { ButtonProps } from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import type { KratixPermission } from './useKratixPermission';

/**
 * A button the user may only press when the permission allows: disabled
 * while unknown or denied, and when denied a tooltip says why. The wrapper
 * span is there because a disabled button gets no hover events.
 */
export function PermittedButton(props: ButtonProps & { permission: KratixPermission }) {
  const { permission, disabled, ...rest } = props;
  const button = <Button {...rest} disabled={disabled || !permission.allowed} />;
  if (!permission.reason) return button;
  return (
    <Tooltip title={permission.reason}>
      <span>{button}</span>
    </Tooltip>
  );
}
