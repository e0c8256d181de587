// csvHref is a data: address of rows as CSV (RFC 4180 quoting), for a
// download link of what a list shows.
export function csvHref(rows: string[][]): string {
  const cell = (c: string) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  const text = rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
  return 'data:text/csv;charset=utf-8,' + encodeURIComponent(text);
}
