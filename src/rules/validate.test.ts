import { describe, expect, it } from 'vitest';
import { validateRuleTexts } from './validate.ts';

const opts = { runbooks: ['model-performance-degradation', 'disk-space'] };
const v = (text: string, file = 'r.yaml') => validateRuleTexts([{ file, text }], opts);

const good = `alerts:
  - name: ModelAccuracyLow
    query: model_accuracy{model="fraud-detector"} < 0.85
    for: 10m
    severity: critical
    labels: { team: ml-platform, runbook: model-performance-degradation }
    annotations:
      summary: "Model {{$labels.model}} accuracy below threshold"
      description: "Current accuracy: {{$value}}, threshold: 0.85"
    actions: [create_incident, notify_oncall, execute_runbook]
`;

describe('validateRuleTexts', () => {
  it('accepts the documented example and normalises it', () => {
    const set = v(good);
    expect(set.errors).toEqual([]);
    expect(set.rules[0]).toMatchObject({
      name: 'ModelAccuracyLow',
      targets: ['prometheus'],
      severity: 'critical',
      group: 'r',
      line: 2,
    });
  });

  it('reports a PromQL typo at its line and column in the file', () => {
    const set = v(good.replace('< 0.85', '< (0.85'));
    expect(set.errors).toHaveLength(1);
    expect(set.errors[0]).toMatchObject({ file: 'r.yaml', line: 3, field: 'alerts[0].query' });
    expect(set.errors[0]?.column).toBe(58); // end of the query: the bracket is never closed
    expect(set.errors[0]?.message).toMatch(/PromQL/);
  });

  it('locates errors inside a block-literal query', () => {
    const set = v(
      good.replace(
        'query: model_accuracy{model="fraud-detector"} < 0.85',
        'query: |\n      sum(rate(x[5m])\n        > 1',
      ),
    );
    expect(set.errors[0]).toMatchObject({ line: 6, field: 'alerts[0].query' });
  });

  it('lists every error, not just the first: unknown field, severity, runbook, template, duplicate', () => {
    const text = `alerts:
  - name: A
    query: up == 0
    severity: urgent
    labels: { runbook: no-such-runbook }
    annotations: { summary: "{{ $labels.instance }" }
    actions: [scale_resources]
    tresholds: 5
  - name: A
    query: up == 0
    severity: warning
`;
    const set = v(text);
    const byField = Object.fromEntries(set.errors.map((e) => [e.field, e]));
    expect(byField['alerts[0].tresholds']).toMatchObject({ line: 8, column: 16 });
    expect(byField['alerts[0].tresholds']?.message).toMatch(/unknown field "tresholds"/);
    expect(set.errors).toHaveLength(1); // a schema error stops that rule's deeper checks
    const set2 = v(text.replace('    tresholds: 5\n', ''));
    const msgs = set2.errors.map((e) => `${e.line}:${e.column} ${e.field}: ${e.message}`);
    expect(msgs.some((m) => /^4:15 alerts\[0\]\.severity: unknown severity "urgent"/.test(m))).toBe(true);
    expect(
      msgs.some((m) =>
        /alerts\[0\]\.labels\.runbook: runbook "no-such-runbook" not found; create runbooks\/no-such-runbook\.md/.test(
          m,
        ),
      ),
    ).toBe(true);
    expect(
      msgs.some((m) => /alerts\[0\]\.annotations\.summary: template: "\{\{" is never closed/.test(m)),
    ).toBe(true);
    expect(
      msgs.some((m) =>
        /^8:\d+ alerts\[1\]\.name: duplicate rule name "A" \(first defined at r\.yaml:2\)/.test(m),
      ),
    ).toBe(true);
    expect(set2.rules).toHaveLength(0);
  });

  it('maps Prometheus severities page/warning/info', () => {
    const set = v(good.replace('severity: critical', 'severity: warning'));
    expect(set.rules[0]?.severity).toBe('medium');
  });

  it('reports YAML syntax errors with a position', () => {
    const set = v('alerts:\n  - name: [A\n    query: up\n');
    expect(set.errors.length).toBeGreaterThan(0);
    expect(set.errors[0]?.message).toMatch(/^YAML syntax/);
    expect(set.errors[0]?.line).toBeGreaterThan(0);
  });

  it('converts a unit suffix in a threshold to seconds and warns', () => {
    const set = v(
      good.replace('model_accuracy{model="fraud-detector"} < 0.85', 'prediction_latency_p99 > 500ms'),
    );
    expect(set.errors).toEqual([]);
    expect(set.rules[0]?.query).toBe('prediction_latency_p99 > 0.5');
    expect(set.warnings[0]?.message).toMatch(/"500ms" compiled as 0.5 \(seconds/);
  });

  it('rejects a unit PromQL cannot read', () => {
    const set = v(good.replace('< 0.85', '> 500MB'));
    expect(set.errors[0]?.message).toMatch(/"500MB" has a unit PromQL cannot read/);
  });

  it('reports a target that lacks what the backend needs', () => {
    const set = v(good.replace('    for: 10m\n', '    for: 10m\n    targets: [prometheus, cloudwatch]\n'));
    expect(set.errors[0]?.field).toBe('alerts[0].targets[1]');
    expect(set.errors[0]?.message).toMatch(
      /targets cloudwatch but has no a cloudwatch: block \(CloudWatch cannot evaluate PromQL\)/,
    );
  });

  it('checks cloudwatch and azure blocks for what the backends refuse', () => {
    const text = `alerts:
  - name: Cw
    severity: low
    cloudwatch: { namespace: AWS/EC2, metric: CPUUtilization, statistic: Average, period: 45s, evaluation_periods: 2, datapoints_to_alarm: 3, comparison: '>', threshold: 1 }
    azure: { resource_type: Microsoft.Compute/virtualMachines, metric: Percentage CPU, aggregation: Average, operator: '>', threshold: 1, window: 7m, frequency: 1m }
`;
    const fields = v(text).errors.map((e) => `${e.field}: ${e.message}`);
    expect(fields).toContain(
      'alerts[0].cloudwatch.period: CloudWatch period must be 10s, 30s or a multiple of 1m (got 45s)',
    );
    expect(fields).toContain(
      'alerts[0].cloudwatch.datapoints_to_alarm: datapoints_to_alarm (M) cannot exceed evaluation_periods (N)',
    );
    expect(fields).toContain(
      'alerts[0].azure.window: metric alert window must be one of 1m, 5m, 15m, 30m, 1h, 6h, 12h, 1d',
    );
  });
});
