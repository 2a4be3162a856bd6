import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { oncallDb } from './override-store.ts';

/**
 * The secret that signs iCal subscription URLs (see feed-token.ts). `VIGIL_FEED_SECRET` from the
 * environment wins; otherwise a random 32-byte secret is generated on first use and persisted in
 * `oncall_settings`, so URLs survive restarts and every process sharing a PostgreSQL store signs
 * alike. Deleting the row (or changing the variable) revokes every feed URL.
 */

/** The settings row that holds the generated secret. */
export const FEED_SECRET_SETTING = 'ical_feed_secret';

/** Reads (or creates once) the feed secret; `env` defaults to `process.env`. */
export async function feedSecret(
  db: Db,
  now: number,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  const fromEnv = env['VIGIL_FEED_SECRET'];
  if (fromEnv) return fromEnv;
  const read = async (): Promise<string | undefined> =>
    (
      await oncallDb(db)
        .selectFrom('oncall_settings')
        .select('value')
        .where('name', '=', FEED_SECRET_SETTING)
        .executeTakeFirst()
    )?.value;
  const found = await read();
  if (found) return found;
  await oncallDb(db)
    .insertInto('oncall_settings')
    .values({ name: FEED_SECRET_SETTING, value: randomBytes(32).toString('base64url'), created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  // Another process may have won the insert: whatever is stored now is the secret.
  const stored = await read();
  if (!stored) throw new Error('the iCal feed secret could not be stored');
  return stored;
}
