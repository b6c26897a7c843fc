import type { CSSProperties, ReactNode } from 'react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';

/** A column: its heading, and what it shows of each row. */
export interface Column<T> {
  title: string;
  cell: (row: T) => ReactNode;
  /** For its heading and its cells alike. */
  style?: CSSProperties;
}

/**
 * The plugin's read-only tables: a heading row, then a row per item. Named
 * by `label`, so a screen reader (and a test) finds each table by its name.
 */
export function SimpleTable<T>(props: {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
}) {
  const { label, columns, rows, rowKey } = props;
  return (
    <Table size="small" aria-label={label}>
      <TableHead>
        <TableRow>
          {columns.map(c => (
            <TableCell key={c.title} style={c.style}>
              {c.title}
            </TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map(row => (
          <TableRow key={rowKey(row)}>
            {columns.map(c => (
              <TableCell key={c.title} style={c.style}>
                {c.cell(row)}
              </TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
