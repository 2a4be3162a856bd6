import type { Command } from 'commander';
import { startServer } from '../server/start.ts';

/** `vigil serve`: runs the server until SIGTERM/SIGINT, then drains in-flight requests. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the vigil server')
    .option('-c, --config <file>', 'configuration file', 'vigil.yaml')
    .option('-p, --port <n>', 'port to listen on', (v) => Number(v), 9093)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('-d, --data-dir <dir>', 'where the embedded SQLite store lives', '.vigil-data')
    .option('--database <url>', 'postgres://… to use PostgreSQL (or VIGIL_DATABASE_URL)')
    .option('--dev', 'demo mode: create and print a dev admin token', false)
    .option('--log-format <fmt>', 'json or pretty (default: pretty on a terminal)')
    .action(
      async (o: {
        config: string;
        port: number;
        host: string;
        dataDir: string;
        database?: string;
        dev: boolean;
        logFormat?: string;
      }) => {
        const server = await startServer({
          configFile: o.config,
          port: o.port,
          host: o.host,
          dataDir: o.dataDir,
          databaseUrl: o.database ?? process.env['VIGIL_DATABASE_URL'],
          dev: o.dev,
          pretty: o.logFormat ? o.logFormat === 'pretty' : process.stdout.isTTY === true,
        });
        const stop = (signal: string): void => {
          server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
          void server.close().then(() => process.exit(0));
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      },
    );
}
