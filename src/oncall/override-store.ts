import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { VigilError } from '../shared/errors.ts';
import type { Db } from '../store/db.ts';
import type { Store } from '../store/store.ts';
import type { OncallCatalog } from './catalog.ts';
import type { Override } from './model.ts';
import { validateOverride } from './override-rules.ts';

/**
 * Runtime overrides (migration 0004): created through the API and CLI, validated against the
 * schedule with `validateOverride` (unknown users, end ≤ start, overlap with another override
 * involving the same user), and merged after the config's overrides when answering who is on
 * call. Creation and deletion run in one transaction that also lets the caller plan notices
 * (`onChange`), so "your shift moved" jobs commit with the change that caused them.
 */

/** One row of `oncall_overrides`. */
export interface OncallOverridesTable {
  id: string;
  schedule_id: string;
  kind: string;
  user_id: string | null;
  replaces: string | null;
  start_at: number;
  end_at: number;
  note: string | null;
  created_by: string;
  created_at: number;
}

/** The on-call tables, used through `db.withTables<OncallTables>()`. */
// A type alias (not an interface): Kysely's withTables needs an index-signature-compatible type.
export type OncallTables = {
  oncall_overrides: OncallOverridesTable;
  oncall_settings: { name: string; value: string; created_at: number };
};

/** The query builder with the on-call tables added. */
export const oncallDb = (db: Db) => db.withTables<OncallTables>();

/** A stored runtime override. */
export interface StoredOverride extends Override {
  scheduleId: string;
  note: string | null;
  createdBy: string;
  createdAt: number;
}

/** What a client sends to create an override; `kind` is inferred when absent. */
export interface OverrideInput {
  kind?: Override['kind'] | undefined;
  user?: string | undefined;
  replaces?: string | undefined;
  start: number;
  end: number;
  note?: string | undefined;
}

/** Called inside the transaction with the schedule's runtime overrides before and after. */
export type OverrideChangeHook = (
  trx: Db,
  change: {
    scheduleId: string;
    override: StoredOverride;
    action: 'created' | 'deleted';
    before: Override[];
    after: Override[];
  },
) => Promise<void>;

const KINDS: readonly Override['kind'][] = ['replace', 'take_over', 'add', 'remove'];

/** The kind an input means: as given, or `replace` (user + replaces), `remove`, `take_over`. */
export function inferKind(input: Pick<OverrideInput, 'kind' | 'user' | 'replaces'>): Override['kind'] {
  if (input.kind) return input.kind;
  if (input.user !== undefined && input.replaces !== undefined) return 'replace';
  if (input.user === undefined) return 'remove';
  return 'take_over';
}

function rowToOverride(r: Selectable<OncallOverridesTable>): StoredOverride {
  const kind = (KINDS as readonly string[]).includes(r.kind) ? (r.kind as Override['kind']) : 'add';
  return {
    id: r.id,
    scheduleId: r.schedule_id,
    kind,
    ...(r.user_id !== null ? { user: r.user_id } : {}),
    ...(r.replaces !== null ? { replaces: r.replaces } : {}),
    start: Number(r.start_at),
    end: Number(r.end_at),
    note: r.note,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
  };
}

/** Strips the stored fields, leaving the pure `Override` the on-call core takes. */
export function pureOverride(o: StoredOverride): Override {
  return {
    id: o.id,
    kind: o.kind,
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(o.replaces !== undefined ? { replaces: o.replaces } : {}),
    start: o.start,
    end: o.end,
  };
}

/**
 * The runtime overrides of a schedule in creation order (the order they apply in), optionally
 * only those overlapping [from, to).
 */
export async function listOverrides(
  db: Db,
  scheduleId: string,
  range: { from?: number | undefined; to?: number | undefined } = {},
): Promise<StoredOverride[]> {
  let q = oncallDb(db).selectFrom('oncall_overrides').selectAll().where('schedule_id', '=', scheduleId);
  if (range.from !== undefined) q = q.where('end_at', '>', range.from);
  if (range.to !== undefined) q = q.where('start_at', '<', range.to);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(rowToOverride);
}

/** Every schedule's runtime overrides (pure form), by schedule id, in creation order. */
export async function allRuntimeOverrides(db: Db): Promise<Map<string, Override[]>> {
  const rows = await oncallDb(db)
    .selectFrom('oncall_overrides')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const out = new Map<string, Override[]>();
  for (const r of rows) {
    const list = out.get(r.schedule_id) ?? [];
    list.push(pureOverride(rowToOverride(r)));
    out.set(r.schedule_id, list);
  }
  return out;
}

/** Serialises changes to one schedule's overrides (PostgreSQL; SQLite writers are serial). */
async function lockSchedule(trx: Db, store: Store, scheduleId: string): Promise<void> {
  if (store.dialect === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtext(${`vigil-oncall:${scheduleId}`}))`.execute(trx);
}

/**
 * Creates a runtime override after validating it (every problem at once, as a 400
 * `validation_failed` whose fields are `body.<field>`). Unknown schedule → 404.
 */
export async function createOverride(
  store: Store,
  catalog: OncallCatalog,
  scheduleId: string,
  input: OverrideInput,
  opts: { now: number; createdBy: string; id?: string; onChange?: OverrideChangeHook | undefined },
): Promise<StoredOverride> {
  const def = catalog.schedule(scheduleId);
  const kind = inferKind(input);
  const o: Override = {
    id: opts.id ?? randomUUID(),
    kind,
    ...(input.user !== undefined && kind !== 'remove' ? { user: input.user } : {}),
    ...(input.replaces !== undefined && (kind === 'replace' || kind === 'remove')
      ? { replaces: input.replaces }
      : {}),
    start: input.start,
    end: input.end,
  };
  return store.db.transaction().execute(async (trx) => {
    await lockSchedule(trx, store, scheduleId);
    const existing = (await listOverrides(trx, scheduleId)).map(pureOverride);
    const issues = validateOverride(def, o, {
      existing,
      ...(catalog.users ? { users: catalog.users } : {}),
    });
    if (issues.length > 0)
      throw new VigilError(
        'validation_failed',
        'the override is not valid',
        issues.map((i) => ({ ...i, field: `body.${i.field}` })),
      );
    const row: OncallOverridesTable = {
      id: o.id,
      schedule_id: scheduleId,
      kind,
      user_id: o.user ?? null,
      replaces: o.replaces ?? null,
      start_at: o.start,
      end_at: o.end,
      note: input.note ?? null,
      created_by: opts.createdBy,
      created_at: opts.now,
    };
    await oncallDb(trx).insertInto('oncall_overrides').values(row).execute();
    const stored = rowToOverride(row);
    await opts.onChange?.(trx, {
      scheduleId,
      override: stored,
      action: 'created',
      before: existing,
      after: [...existing, o],
    });
    return stored;
  });
}

/** Deletes a runtime override of a schedule; 404 when the schedule has no such override. */
export async function deleteOverride(
  store: Store,
  scheduleId: string,
  id: string,
  opts: { onChange?: OverrideChangeHook | undefined } = {},
): Promise<StoredOverride> {
  return store.db.transaction().execute(async (trx) => {
    await lockSchedule(trx, store, scheduleId);
    const all = await listOverrides(trx, scheduleId);
    const target = all.find((o) => o.id === id);
    if (!target) throw new VigilError('not_found', `schedule "${scheduleId}" has no override "${id}"`);
    await oncallDb(trx)
      .deleteFrom('oncall_overrides')
      .where('id', '=', id)
      .where('schedule_id', '=', scheduleId)
      .execute();
    await opts.onChange?.(trx, {
      scheduleId,
      override: target,
      action: 'deleted',
      before: all.map(pureOverride),
      after: all.filter((o) => o.id !== id).map(pureOverride),
    });
    return target;
  });
}
