import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleIncident } from '../../test/notify/helpers.ts';
import { escapeSlack, truncate, TRUNCATION_MARKER } from './escape.ts';
import { renderNotification } from './render.ts';
import { compileTemplate, renderTemplate, TemplateError } from './template.ts';
import { CHANNEL_TYPES, NOTIFY_EVENTS } from './types.ts';

describe('templates', () => {
  it('substitutes with filters and conditionals, escaping only values', () => {
    const t = compileTemplate(
      '<b>{{ incident.title | upper }}</b>{{#if links.runbook}} rb{{else}} none{{/if}} {{ actor | default "n/a" }}',
    );
    expect(renderTemplate(t, { 'incident.title': 'a<b>&', 'links.runbook': 'x' }, 'html')).toBe(
      '<b>A&lt;B&gt;&amp;</b> rb n/a',
    );
    expect(renderTemplate(t, { 'incident.title': 'x' }, 'slack')).toBe('<b>X</b> none n/a');
  });

  it('reports errors with their offset', () => {
    expect(() => compileTemplate('hi {{ nope }}')).toThrow(TemplateError);
    expect(() => compileTemplate('{{ incident.title | shout }}')).toThrow(/unknown filter/);
    expect(() => compileTemplate('{{#if actor}} x')).toThrow(/never closed/);
    expect(() => compileTemplate('x {{ actor')).toThrow(/unclosed/);
    try {
      compileTemplate('abc {{ bad.var }}');
    } catch (e) {
      expect((e as TemplateError).offset).toBe(4);
    }
  });

  it('truncate never exceeds the limit and always marks a cut', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 13, max: 200 }), (s, max) => {
        const out = truncate(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (s.length > max) expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
        else expect(out).toBe(s);
      }),
    );
    expect(escapeSlack('<@U1> & <!here>')).toBe('&lt;@U1&gt; &amp; &lt;!here&gt;');
  });

  it('renders every channel × event with defaults (null only for PagerDuty/Opsgenie handoff)', () => {
    for (const type of CHANNEL_TYPES) {
      for (const event of NOTIFY_EVENTS) {
        const p = renderNotification(
          type,
          event,
          sampleIncident({ actor: 'bob', escalationLevel: 2, handoff: { from: 'a', to: 'b' } }),
        );
        if ((type === 'pagerduty' || type === 'opsgenie') && event === 'handoff') expect(p).toBeNull();
        else expect(p?.type).toBe(type);
      }
    }
  });

  it('applies overrides in lookup order', () => {
    const p = renderNotification('sms', 'triggered', sampleIncident(), {
      templates: {
        default: { default: { title: 'D {{ incident.id }}' } },
        sms: { triggered: { title: 'S {{ incident.service }}' } },
      },
    });
    expect(p?.type === 'sms' && p.body.startsWith('S training')).toBe(true);
  });
});
