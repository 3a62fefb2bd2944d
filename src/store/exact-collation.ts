/**
 * MySQL/MariaDB key columns compared byte for byte, as SQLite (memcmp) compares them.
 * `utf8mb4_bin` is a PAD SPACE collation ("pad" = "pad "), and a table's default collation is
 * usually case-insensitive too; a NO PAD binary collation is neither. Used by migrations only.
 */
import type { Knex } from 'knex';

export interface KeyColumn {
  table: string;
  column: string;
  /** the column's SQL type, repeated because MODIFY restates the whole column */
  type: string;
  nullable: boolean;
  /** its collation before: `utf8mb4_bin`, or the table's default */
  was: 'bin' | 'table';
}

/** MariaDB (10.2+) and MySQL (8.0+) name their NO PAD binary collation differently. */
export async function exactCollation(db: Knex): Promise<string> {
  const [rows] = (await db.raw(
    "SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
  )) as [Array<{ name: string }>];
  const name = rows.find((r) => r.name === 'utf8mb4_nopad_bin')?.name ?? rows[0]?.name;
  if (!name)
    throw new Error('MySQL/MariaDB without a NO PAD binary collation: MariaDB 10.2+ or MySQL 8.0+ is required');
  return name;
}

export async function setCollation(db: Knex, key: KeyColumn, collation: string): Promise<void> {
  await db.raw(
    `ALTER TABLE ?? MODIFY ?? ${key.type} CHARACTER SET utf8mb4 COLLATE ${collation} ${key.nullable ? 'NULL' : 'NOT NULL'}`,
    [key.table, key.column],
  );
}

/** What `setCollation` undoes to: `utf8mb4_bin`, or the table's default collation. */
export async function previousCollation(db: Knex, key: KeyColumn): Promise<string> {
  if (key.was === 'bin') return 'utf8mb4_bin';
  const [rows] = (await db.raw(
    'SELECT TABLE_COLLATION AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [key.table],
  )) as [Array<{ c: string }>];
  return rows[0]?.c ?? 'utf8mb4_general_ci';
}
