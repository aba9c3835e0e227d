/**
 * Multi-row PostgreSQL statements with a fixed text, so they can be named (prepared).
 *
 * A named statement is parsed and planned once per connection; after that PostgreSQL only
 * binds and executes it. That needs the same SQL text every time, but a group commit
 * writes a different number of rows each time. Passing the rows as arrays (`unnest`) keeps
 * the text fixed, but measured slower on both sides for the large text values these rows
 * carry (the client escapes every element into an array literal, the server parses it
 * back): for 16 state rows of ~1.5 KB, 310 vs 170 µs of server CPU and 230 vs 140 µs of
 * client CPU per statement. So rows go in as `VALUES` with one parameter per value, the
 * number of rows rounded up to a power of two (4 … 128) and the rest padded with NULL rows
 * that the statement filters out: a handful of statement texts per table, each prepared once
 * per connection (about 4 KB of server memory per row of a prepared 11-column statement).
 */

/** Rows per statement at most; more rows are written by several statements. */
export const MAX_ROWS = 128;
const MIN_ROWS = 4;

export interface NamedQuery {
  name: string;
  text: string;
  values: unknown[];
}

export class RowsStatement {
  private readonly texts = new Map<number, string>();

  /**
   * @param name statement name prefix (the row count is appended)
   * @param columns the rows' columns and their types, e.g. `[['key', 'text'], ['ts', 'timestamptz']]`;
   *   the first column must never be NULL in a real row (NULL marks a padding row)
   * @param sql the statement, given the row source: `(VALUES …) AS v(columns…)`; it must
   *   keep only the rows whose first column is not NULL (`WHERE v.<first> IS NOT NULL`)
   */
  constructor(
    private readonly name: string,
    private readonly columns: readonly (readonly [string, string])[],
    private readonly sql: (source: string) => string,
  ) {}

  /** The statements writing `rows` (each an array of values in column order), in order. */
  queries(rows: readonly (readonly unknown[])[]): NamedQuery[] {
    const queries: NamedQuery[] = [];
    for (let start = 0; start < rows.length; start += MAX_ROWS) {
      const chunk = rows.slice(start, start + MAX_ROWS);
      const size = bucket(chunk.length);
      const values: unknown[] = [];
      for (const row of chunk) for (const v of row) values.push(v);
      for (let i = values.length; i < size * this.columns.length; i++) values.push(null);
      queries.push({ name: `${this.name}_${size}`, text: this.text(size), values });
    }
    return queries;
  }

  private text(size: number): string {
    let text = this.texts.get(size);
    if (text === undefined) {
      const n = this.columns.length;
      const rows: string[] = [];
      for (let r = 0; r < size; r++) rows.push(`(${this.columns.map(([, type], c) => `$${r * n + c + 1}::${type}`).join(', ')})`);
      text = this.sql(`(VALUES ${rows.join(', ')}) AS v(${this.columns.map(([column]) => column).join(', ')})`);
      this.texts.set(size, text);
    }
    return text;
  }
}

function bucket(rows: number): number {
  let size = MIN_ROWS;
  while (size < rows) size *= 2;
  return size;
}
