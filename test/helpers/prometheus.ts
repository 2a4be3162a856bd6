import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './process.ts';

/** A real Prometheus (the Debian package's binary) started for a test. */
export interface PrometheusProcess {
  url: string;
  child: ChildProcess;
}

/**
 * Starts Prometheus in `dir` with one rule group evaluated every second and vigil as its
 * Alertmanager (API v2, the integration key as bearer credentials). Firing alerts are sent again
 * every second (`--rules.alert.resend-delay=1s`), so they are valid for 4 s after each send.
 */
export async function startPrometheus(opts: {
  dir: string;
  vigilPort: number;
  key: string;
  /** The rule group's rules, as YAML lines indented for the `rules:` list. */
  rules: readonly string[];
}): Promise<PrometheusProcess> {
  fs.writeFileSync(
    path.join(opts.dir, 'rules.yml'),
    ['groups:', '  - name: e2e', '    interval: 1s', '    rules:', ...opts.rules, ''].join('\n'),
  );
  fs.writeFileSync(
    path.join(opts.dir, 'prometheus.yml'),
    [
      'global: { evaluation_interval: 1s }',
      'rule_files: [rules.yml]',
      'alerting:',
      '  alertmanagers:',
      '    - api_version: v2',
      `      authorization: { credentials: ${opts.key} }`,
      `      static_configs: [{ targets: ["127.0.0.1:${opts.vigilPort}"] }]`,
      '',
    ].join('\n'),
  );
  const address = `127.0.0.1:${await freePort()}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${path.join(opts.dir, 'prometheus.yml')}`,
      '--rules.alert.resend-delay=1s',
      `--storage.tsdb.path=${path.join(opts.dir, 'tsdb')}`,
      `--web.listen-address=${address}`,
    ],
    { stdio: 'ignore' },
  );
  return { url: `http://${address}`, child };
}
