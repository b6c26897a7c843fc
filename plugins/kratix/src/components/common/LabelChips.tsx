import Chip from '@material-ui/core/Chip';
import IconButton from '@material-ui/core/IconButton';
import Typography from '@material-ui/core/Typography';
import CloseIcon from '@material-ui/icons/Close';
import type { Labels } from '@kratix-backstage/plugin-kratix-common';

/**
 * Labels as `key=value` chips. With `onDelete` each gets its own remove
 * button beside it (not MUI's delete icon, which is not keyboard-reachable
 * and would nest a control inside the chip).
 */
export function LabelChips(props: {
  labels?: Labels;
  emptyText?: string;
  onDelete?: (key: string) => void;
  ariaLabel?: string;
}) {
  const entries = Object.entries(props.labels ?? {});
  if (entries.length === 0)
    return (
      <Typography variant="body2" color="textSecondary">
        {props.emptyText ?? 'no labels'}
      </Typography>
    );
  return (
    <ul
      aria-label={props.ariaLabel ?? 'Labels'}
      style={{
        listStyle: 'none',
        margin: 0,
        padding: 0,
        display: 'flex',
        flexWrap: 'wrap',
        gap: 4,
      }}
    >
      {entries.map(([k, v]) => (
        <li key={k} style={{ display: 'flex', alignItems: 'center' }}>
          <Chip size="small" label={`${k}=${v}`} />
          {props.onDelete && (
            <IconButton
              size="small"
              aria-label={`Remove label ${k}=${v}`}
              onClick={() => props.onDelete!(k)}
            >
              <CloseIcon fontSize="small" />
            </IconButton>
          )}
        </li>
      ))}
    </ul>
  );
}

/** `environment=dev; pvCapacity=large` for a list of selectors. */
export function selectorText(selectors?: { matchLabels?: Labels }[]): string {
  return (selectors ?? [])
    .map(s =>
      Object.entries(s.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    )
    .filter(Boolean)
    .join('; ');
}
