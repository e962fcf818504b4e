/**
 * Markdown tables.
 */

/** One column: its heading and which side its cells align to. */
export interface Column {
  title: string;
  align: 'left' | 'right';
}

/**
 * A Markdown table, one line a row: `| a | b |`, under a heading and a `|:--|--:|` alignment line.
 *
 * @param rows - the cells of each row, already formatted, as many as there are columns
 */
export function markdownTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const lines = [
    `| ${columns.map((c) => c.title).join(' | ')} |`,
    `|${columns.map((c) => (c.align === 'left' ? ':--' : '--:')).join('|')}|`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ];
  return lines.join('\n');
}
