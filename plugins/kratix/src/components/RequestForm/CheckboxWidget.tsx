import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Typography from '@material-ui/core/Typography';
import {
  ariaDescribedByIds,
  descriptionId,
  labelValue,
  schemaRequiresTrueValue,
  WidgetProps,
} from '@rjsf/utils';

/**
 * rjsf's Material UI checkbox puts aria-describedby on the wrapper, not on
 * the input, so a screen reader never reads the field's description; this
 * one puts it on the input and shows the description as help text.
 */
export function CheckboxWidget(props: WidgetProps) {
  const { id, value, disabled, readonly, label, hideLabel, schema, options, onChange, onBlur, onFocus } = props;
  const description = options.description ?? schema.description;
  return (
    <>
      <FormControlLabel
        control={
          <Checkbox
            id={id}
            name={id}
            checked={Boolean(value)}
            required={schemaRequiresTrueValue(schema)}
            disabled={disabled || readonly}
            onChange={(_, checked) => onChange(checked)}
            onBlur={() => onBlur(id, value)}
            onFocus={() => onFocus(id, value)}
            inputProps={{ 'aria-describedby': ariaDescribedByIds(id) }}
            color="primary"
          />
        }
        label={labelValue(label, hideLabel, false)}
      />
      {!hideLabel && description && (
        <Typography id={descriptionId(id)} variant="body2" color="textSecondary">
          {description}
        </Typography>
      )}
    </>
  );
}
