/** A fresh PostgreSQL schema for the benchmark run, dropped afterwards. */
import { Client } from 'pg';

export function postgresUrl(): string {
  return process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

const quote = (ident: string): string => `"${ident.replace(/"/g, '""')}"`;

/** Creates the schema; returns true, or why PostgreSQL is not usable. */
export async function createSchema(url: string, schema: string): Promise<true | string> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query(`CREATE SCHEMA ${quote(schema)}`);
    return true;
  } catch (error) {
    return `no PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//…@')} (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`);
  } catch {
    // best effort
  } finally {
    await client.end().catch(() => undefined);
  }
}
