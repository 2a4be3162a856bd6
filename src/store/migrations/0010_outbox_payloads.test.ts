import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPayloads } from '../../notify/outbox-claim.ts';
import { notifyDb } from '../../notify/outbox-tables.ts';
import { migrate, type Store } from '../store.ts';
import { storeFactories } from '../testing.ts';

describe.each(storeFactories())('migration 0010 (outbox payloads) on $name', (factory) => {
  let store: Store;
  afterEach(async () => store?.close());

  it('moves the payloads of existing outbox rows into notify_payloads, with their sizes', async () => {
    store = await factory.open();
    // Back to the schema before 0010, holding a row as 0003 wrote it.
    await sql`drop table notify_payloads`.execute(store.db);
    await sql`alter table notify_outbox drop column payload_size`.execute(store.db);
    await sql`alter table notify_outbox add column payload text not null default ''`.execute(store.db);
    await sql`delete from kysely_migration where name = '0010_outbox_payloads'`.execute(store.db);
    const payload = JSON.stringify({
      type: 'webhook',
      bodyText: '{"alerts":[{"labels":{"alertname":"GPUDown"}}]}',
    });
    const row = await sql<{ id: number }>`insert into notify_outbox
        (key, incident, event, channel_id, channel_type, destination, payload, status, scheduled_at, next_attempt_at, attempts, created_at)
        values ('INC-1:triggered:hook', 'INC-1', 'triggered', 'hook', 'webhook', 'http://x#g', ${payload}, 'pending', 1, 1, 0, 1)
        returning id`.execute(store.db);
    const id = Number(row.rows[0]?.id);

    await migrate(store);

    expect((await loadPayloads(notifyDb(store), [id])).get(id)).toBe(payload);
    const head = await notifyDb(store)
      .selectFrom('notify_outbox')
      .select(['key', 'payload_size'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(head).toEqual({ key: 'INC-1:triggered:hook', payload_size: payload.length });
  });
});
