import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { loadConfigFile, loadConfigText } from './load.ts';

describe('config loading', () => {
  it('loads the demo configuration shipped in examples/', () => {
    const res = loadConfigFile(new URL('../../examples/vigil.yaml', import.meta.url).pathname);
    if (!res.ok) throw new Error(JSON.stringify(res.issues, null, 2));
    expect(res.loaded.integrations[0]?.name).toBe('demo');
    expect(res.loaded.config.server.resolve_timeout).toBe(300_000);
  });

  it('reports every problem at once, across sections, with file, line and field', () => {
    const text = [
      'server:',
      '  resolve_timeout: soon', // line 2
      '  colour: blue', // line 3
      'integrations:',
      '  - name: a',
      '    key: short', // line 6
      'schedules:',
      '  - id: s1',
      '    time_zone: Mars/Olympus', // line 9
      '    layers: []',
      'escalation_policies:',
      '  - id: p1',
      '    levels:',
      '      - { after_minutes: 0, notify: [user:nobody] }', // line 14
    ].join('\n');
    const res = loadConfigText('bad.yaml', text, {});
    expect(res.ok).toBe(false);
    if (res.ok) return;
    const lines = res.issues.map((i) => i.line);
    expect(lines).toEqual([...lines].sort((a, b) => (a ?? 0) - (b ?? 0)));
    const byField = (f: string) => res.issues.find((i) => i.field.startsWith(f));
    expect(byField('server.resolve_timeout')).toMatchObject({
      file: 'bad.yaml',
      line: 2,
      message: expect.stringContaining('not a duration'),
    });
    expect(byField('server.colour')).toMatchObject({
      line: 3,
      column: 3,
      message: expect.stringContaining('unknown field'),
    });
    expect(res.issues.some((i) => i.field.startsWith('schedules[0].time_zone') && i.line === 9)).toBe(true);
    expect(
      res.issues.some(
        (i) => i.field.startsWith('escalation_policies[0].levels[0]') && i.message.includes('nobody'),
      ),
    ).toBe(true);
  });

  it('reads the ingest queue and its storm settings, with defaults, and names a bad value', () => {
    const defaults = loadConfigText('d.yaml', 'server: {}\n', {});
    if (!defaults.ok) throw new Error(JSON.stringify(defaults.issues));
    expect(defaults.loaded.config.server.ingest_queue).toEqual({
      maxBatch: 4096,
      maxQueued: 200_000,
      stormRate: 10_000,
      stormMaxWaitMs: 5000,
      pageFirstHoldMs: 300,
    });
    const off = loadConfigText(
      'o.yaml',
      'server:\n  ingest_queue: { storm_rate: 0, storm_max_wait: 2s, page_first_hold: 0 }\n',
      {},
    );
    if (!off.ok) throw new Error(JSON.stringify(off.issues));
    expect(off.loaded.config.server.ingest_queue).toMatchObject({
      stormRate: 0,
      stormMaxWaitMs: 2000,
      pageFirstHoldMs: 0,
    });
    const bad = loadConfigText(
      'b.yaml',
      'server:\n  ingest_queue:\n    storm_rate: -1\n    storm_max_wait: 10m\n    page_first_hold: 1m\n',
      {},
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues.find((i) => i.field === 'server.ingest_queue.storm_rate')).toMatchObject({ line: 3 });
    expect(bad.issues.find((i) => i.field === 'server.ingest_queue.storm_max_wait')).toMatchObject({
      line: 4,
      message: expect.stringContaining('between 100ms and 1m'),
    });
    expect(bad.issues.find((i) => i.field === 'server.ingest_queue.page_first_hold')).toMatchObject({
      line: 5,
      message: expect.stringContaining('between 0 and 5s'),
    });
  });

  it('reads the alert history retention: 30 days by default, 0 for forever, and names a bad value', () => {
    const read = (text: string) => {
      const res = loadConfigText('h.yaml', text, {});
      return res.ok ? res.loaded.config.server.alert_history_retention : res.issues;
    };
    expect(read('server: {}\n')).toBe(30 * 24 * 3_600_000);
    expect(read('server:\n  alert_history_retention: 7d\n')).toBe(7 * 24 * 3_600_000);
    expect(read('server:\n  alert_history_retention: 0\n')).toBe(0);
    expect(read('server:\n  alert_history_retention: forever\n')).toEqual([
      expect.objectContaining({
        field: 'server.alert_history_retention',
        line: 2,
        message: expect.stringContaining('"forever" is not a duration'),
      }),
    ]);
  });

  it('reads integration keys from the environment and from files, and names a missing one', () => {
    const dir = fs.mkdtempSync('/tmp/vigil-cfg-');
    fs.writeFileSync(`${dir}/key`, 'file-secret-0123456789\n');
    const text = `integrations:\n  - { name: a, key: { env: MY_KEY } }\n  - { name: b, key: { file: key } }\n  - { name: c, key: { env: MISSING_KEY } }\n`;
    const res = loadConfigText(`${dir}/vigil.yaml`, text, { MY_KEY: 'env-secret-0123456789' });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.issues).toEqual([
      expect.objectContaining({
        line: 4,
        field: 'integrations[2].key',
        message: 'environment variable MISSING_KEY is not set',
      }),
    ]);
    const ok = loadConfigText(`${dir}/vigil.yaml`, text.split('\n').slice(0, 3).join('\n'), {
      MY_KEY: 'env-secret-0123456789',
    });
    expect(ok.ok && ok.loaded.integrations.map((i) => i.key)).toEqual([
      'env-secret-0123456789',
      'file-secret-0123456789',
    ]);
    fs.rmSync(dir, { recursive: true });
  });

  it('reports YAML syntax errors with their position', () => {
    const res = loadConfigText('x.yaml', 'server:\n  body_limit: [1,\n', {});
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues[0]).toMatchObject({ file: 'x.yaml', line: expect.any(Number) });
  });
});
