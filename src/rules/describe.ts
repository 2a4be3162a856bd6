/**
 * Turns a rule's Prometheus-templated annotations into plain text for backends that do no
 * templating (CloudWatch AlarmDescription, Azure description): `{{ $labels.model }}` becomes
 * `<model>`, `{{ $value … }}` becomes `<value>`.
 */
import type { Rule } from './model.ts';

/** Replaces template actions by readable placeholders. */
function plainText(template: string): string {
  return template
    .replace(/\{\{-?\s*\$labels\.(\w+)[^}]*-?\}\}/g, '<$1>')
    .replace(/\{\{-?\s*\$value[^}]*-?\}\}/g, '<value>')
    .replace(/\{\{[^}]*\}\}/g, '…');
}

/** A one-paragraph description of the rule for cloud backends, within `max` characters. */
export function ruleDescription(rule: Rule, max: number): string {
  const parts = [rule.annotations['summary'], rule.annotations['description']].filter(
    (x): x is string => !!x,
  );
  let text = parts.map(plainText).join(' — ') || rule.name;
  const runbook = rule.labels['runbook'];
  text += ` [vigil ${rule.name}, severity ${rule.severity}${runbook ? `, runbook ${runbook}` : ''}]`;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
