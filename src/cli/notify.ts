import type { Command } from 'commander';
import type { z } from 'zod';
import { notificationRequestSchema, type NotificationResponse } from '../notify/api.ts';
import { VigilError } from '../shared/errors.ts';
import { api, targetFrom } from './client.ts';
import { printJson } from './output.ts';

/**
 * `vigil notify --channels slack,pagerduty --severity critical --message "…"`: sends an ad-hoc
 * notification through a running server (POST /api/v1/notifications with the bearer token from
 * VIGIL_API_TOKEN), so it goes through the same outbox, retries and delivery log as pages.
 */
export function registerNotifyCommands(program: Command): void {
  program
    .command('notify')
    .description('send a notification to configured channels through a running server')
    .requiredOption('--channels <ids>', 'comma-separated channel ids from vigil.yaml')
    .requiredOption('--message <text>', 'the message')
    .option('--severity <s>', 'critical, high, medium or low', 'high')
    .option('--title <text>', 'title (default: the first line of the message)')
    .option('--runbook <url>', 'runbook link')
    .option('--dashboard <url>', 'dashboard link')
    .option('--incident <id>', 'attach to an existing incident (e.g. INC-1)')
    .option('--idempotency-key <key>', 'retrying with the same key sends nothing twice')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print the server reply as JSON', false)
    .action(
      async (o: {
        channels: string;
        message: string;
        severity: string;
        title?: string;
        runbook?: string;
        dashboard?: string;
        incident?: string;
        idempotencyKey?: string;
        url?: string;
        json: boolean;
      }) => {
        const parsed = notificationRequestSchema.safeParse({
          channels: o.channels
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          severity: o.severity,
          message: o.message,
          ...(o.title ? { title: o.title } : {}),
          ...(o.runbook ? { runbook_url: o.runbook } : {}),
          ...(o.dashboard ? { dashboard_url: o.dashboard } : {}),
          ...(o.incident ? { incident: o.incident } : {}),
          ...(o.idempotencyKey ? { idempotency_key: o.idempotencyKey } : {}),
        });
        if (!parsed.success) {
          throw new VigilError(
            'bad_request',
            'invalid notification',
            parsed.error.issues.map((i: z.core.$ZodIssue) => ({
              field: i.path.join('.'),
              message: i.message,
            })),
          );
        }
        const reply = (await api(
          targetFrom(o),
          'POST',
          '/api/v1/notifications',
          parsed.data,
        )) as NotificationResponse;
        if (o.json) return printJson(reply);
        for (const n of reply.notifications ?? []) {
          process.stdout.write(`${n.channel}\t${n.queued ? 'queued' : 'already queued'}\t${n.key}\n`);
        }
      },
    );
}
