import fs from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { parseYamlSource } from '../config/yaml-source.ts';
import { parseNotifyConfig, validateNotifyConfig } from '../notify/config.ts';
import { parseIncidentView } from '../notify/incident-view.ts';
import { renderNotification, type RenderOptions, type TemplateOverrides } from '../notify/render.ts';
import { CHANNEL_TYPES, NOTIFY_EVENTS, type ChannelType, type NotifyEvent } from '../notify/types.ts';
import { VigilError } from '../shared/errors.ts';

/**
 * `vigil template render --channel slack --event triggered --incident FILE [--config vigil.yaml]`:
 * prints the exact payload vigil would send (templates from --config applied), so template
 * changes can be previewed without paging anyone.
 */
export function registerTemplateCommands(program: Command): void {
  const cmd = program.command('template').description('preview notification templates');
  cmd
    .command('render')
    .description('render the payload of one channel and event for an incident JSON file')
    .requiredOption('--channel <type>', `channel type (${CHANNEL_TYPES.join(', ')})`)
    .requiredOption('--event <event>', `event (${NOTIFY_EVENTS.join(', ')})`, 'triggered')
    .requiredOption(
      '--incident <file>',
      'incident JSON file (id, title, severity, service, labels, triggeredAt, …)',
    )
    .option('--config <file>', 'vigil.yaml whose templates: to apply')
    .option('--format <format>', 'webhook body format: vigil or alertmanager', 'vigil')
    .action((o: { channel: string; event: string; incident: string; config?: string; format: string }) => {
      if (!(CHANNEL_TYPES as readonly string[]).includes(o.channel)) {
        throw new VigilError(
          'bad_request',
          `unknown channel type "${o.channel}" (one of ${CHANNEL_TYPES.join(', ')})`,
        );
      }
      if (!(NOTIFY_EVENTS as readonly string[]).includes(o.event)) {
        throw new VigilError(
          'bad_request',
          `unknown event "${o.event}" (one of ${NOTIFY_EVENTS.join(', ')})`,
        );
      }
      let view;
      try {
        view = parseIncidentView(JSON.parse(fs.readFileSync(o.incident, 'utf8')));
      } catch (err) {
        const issues =
          err instanceof z.ZodError
            ? err.issues.map((i) => ({ field: i.path.join('.'), message: i.message, file: o.incident }))
            : [];
        throw new VigilError(
          'bad_request',
          `cannot read incident ${o.incident}: ${issues.length ? 'invalid fields' : (err as Error).message}`,
          issues,
        );
      }
      let templates: TemplateOverrides | undefined;
      if (o.config) {
        const src = parseYamlSource(o.config, fs.readFileSync(o.config, 'utf8'));
        const issues = [
          ...src.syntaxIssues,
          ...(src.syntaxIssues.length ? [] : validateNotifyConfig(src, src.value)),
        ];
        if (issues.length) throw new VigilError('config_invalid', `${o.config} is invalid`, issues);
        templates = parseNotifyConfig(src.value).templates as TemplateOverrides;
      }
      const opts: RenderOptions = {
        templates,
        webhookFormat: o.format === 'alertmanager' ? 'alertmanager' : 'vigil',
      };
      const payload = renderNotification(o.channel as ChannelType, o.event as NotifyEvent, view, opts);
      process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
    });
}
