/**
 * Multi-row statements with a fixed text (src/storage/pgRows.ts): a handful of texts per
 * table, so PostgreSQL prepares each once per connection, and every row written once, in order.
 */
import { describe, expect, it } from 'vitest';
import { MAX_ROWS, RowsStatement } from '../src/storage/pgRows';

const statement = new RowsStatement('t', [['k', 'text'], ['n', 'int']], (source) => `INSERT INTO t SELECT * FROM ${source} WHERE v.k IS NOT NULL`);
const rows = (count: number): unknown[][] => Array.from({ length: count }, (_, i) => [`k${i}`, i]);

describe('RowsStatement', () => {
  it('rounds the row count up to a power of two (at least 4) and pads with NULL rows', () => {
    const [q] = statement.queries(rows(5));
    expect(q?.name).toBe('t_8');
    expect(q?.text).toBe(
      'INSERT INTO t SELECT * FROM (VALUES ($1::text, $2::int), ($3::text, $4::int), ($5::text, $6::int), ($7::text, $8::int), ($9::text, $10::int), ($11::text, $12::int), ($13::text, $14::int), ($15::text, $16::int)) AS v(k, n) WHERE v.k IS NOT NULL',
    );
    expect(q?.values).toEqual(['k0', 0, 'k1', 1, 'k2', 2, 'k3', 3, 'k4', 4, null, null, null, null, null, null]);
    expect(statement.queries(rows(1))[0]?.name).toBe('t_4');
    expect(statement.queries(rows(8))[0]?.name).toBe('t_8');
    expect(statement.queries(rows(9))[0]?.name).toBe('t_16');
  });

  it('gives one name one text, whatever the rows', () => {
    const texts = new Map<string, string>();
    for (let n = 1; n <= 3 * MAX_ROWS; n++) {
      for (const q of statement.queries(rows(n))) {
        expect(texts.get(q.name) ?? q.text).toBe(q.text);
        texts.set(q.name, q.text);
      }
    }
    expect([...texts.keys()].sort()).toEqual(['t_128', 't_16', 't_32', 't_4', 't_64', 't_8']);
  });

  it('writes more rows than one statement holds with several, each row once and in order', () => {
    const queries = statement.queries(rows(MAX_ROWS * 2 + 3));
    expect(queries.map((q) => q.name)).toEqual([`t_${MAX_ROWS}`, `t_${MAX_ROWS}`, 't_4']);
    const written = queries.flatMap((q) => q.values).filter((v): v is string => typeof v === 'string');
    expect(written).toEqual(rows(MAX_ROWS * 2 + 3).map((r) => r[0]));
  });

  it('writes nothing for no rows', () => {
    expect(statement.queries([])).toEqual([]);
  });
});
