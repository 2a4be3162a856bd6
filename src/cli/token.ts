import { systemClock } from '../engine/clock.ts';
import type { Command } from 'commander';
import { createToken, listTokens, revokeToken, ROLES, type Role } from '../auth/tokens.ts';
import { openStore } from '../store/store.ts';
import { printJson, table } from './output.ts';

interface StoreOpts {
  dataDir: string;
  database?: string;
  json: boolean;
}

async function withStore<T>(
  o: StoreOpts,
  fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>,
): Promise<T> {
  const store = await openStore({ url: o.database ?? process.env['VIGIL_DATABASE_URL'], dataDir: o.dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * `vigil token create|list|revoke`: manages API tokens directly in the store (so the first admin
 * token can be made before any token exists).
 */
export function registerTokenCommands(program: Command): void {
  const cmd = program.command('token').description('manage API tokens (works on the store directly)');
  const common = (c: Command): Command =>
    c
      .option('-d, --data-dir <dir>', 'SQLite data directory', '.vigil-data')
      .option('--database <url>', 'postgres://… (or VIGIL_DATABASE_URL)')
      .option('--json', 'print JSON', false);
  common(cmd.command('create'))
    .description('create a token; it is printed once and stored only as a hash')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--name <name>', 'who or what the token is for', 'cli')
    .action(async (o: StoreOpts & { role: string; name: string }) => {
      if (!(ROLES as readonly string[]).includes(o.role)) {
        process.stderr.write(`--role must be one of ${ROLES.join(', ')}\n`);
        process.exitCode = 1;
        return;
      }
      const t = await withStore(o, (s) => createToken(s.db, o.name, o.role as Role, systemClock.now()));
      if (o.json) printJson({ id: t.id, name: o.name, role: o.role, token: t.token });
      else
        process.stdout.write(
          `${t.token}\n(token ${t.id}, role ${o.role}: store it now; it cannot be shown again)\n`,
        );
    });
  common(cmd.command('list'))
    .description('list tokens (never their secrets)')
    .action(async (o: StoreOpts) => {
      const tokens = await withStore(o, (s) => listTokens(s.db));
      if (o.json) return printJson(tokens);
      process.stdout.write(
        `${table(
          ['ID', 'NAME', 'ROLE', 'CREATED', 'REVOKED'],
          tokens.map((t) => [
            String(t.id),
            t.name,
            t.role,
            new Date(t.createdAt).toISOString(),
            t.revokedAt ? new Date(t.revokedAt).toISOString() : '',
          ]),
        )}\n`,
      );
    });
  common(cmd.command('revoke <id>'))
    .description('revoke a token by id')
    .action(async (id: string, o: StoreOpts) => {
      const ok = await withStore(o, (s) => revokeToken(s.db, Number(id), systemClock.now()));
      if (o.json) printJson({ id: Number(id), revoked: ok });
      else process.stdout.write(ok ? `token ${id} revoked\n` : `no live token ${id}\n`);
      if (!ok) process.exitCode = 1;
    });
}
