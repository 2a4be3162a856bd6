import type { CreateTableBuilder } from 'kysely';

/** The two SQL dialects vigil runs on. */
export type Dialect = 'sqlite' | 'postgres';

/** Adds an auto-incrementing integer primary key `id`, spelled the way each dialect wants it. */
export function addId<T extends string>(
  table: CreateTableBuilder<T>,
  dialect: Dialect,
): CreateTableBuilder<T, 'id'> {
  return dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'bigserial', (c) => c.primaryKey());
}
