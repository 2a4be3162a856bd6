import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { groupKey, groupLabels } from './group-key.ts';
import { routeSchema, type RouteConfig } from './route-schema.ts';
import { buildRouteTree, resolveRouteTree, route } from './routing.ts';

// The example tree from Alertmanager's docs (docs/configuration.md, "Example"), trimmed.
const tree = buildRouteTree(
  routeSchema.parse(
    parse(`
receiver: default
group_by: [alertname, cluster]
routes:
  - matchers: ['service=~"foo1|foo2|baz"']
    receiver: team-X-mails
    routes:
      - matchers: [severity="critical"]
        receiver: team-X-pager
  - matchers: [service="files"]
    receiver: team-Y-mails
    group_wait: 10s
    routes:
      - matchers: [severity="critical"]
        receiver: team-Y-pager
  - match: { service: database }
    receiver: team-DB-pager
    group_by: [alertname, cluster, database]
    continue: true
    routes:
      - match_re: { owner: "team-X" }
        receiver: team-X-pager
        continue: true
      - match: { owner: team-Y }
        receiver: team-Y-pager
  - matchers: ['{team="ml"}']
    receiver: ml
    service: training
    escalation_policy: ml-primary
    channels: [slack-ml]
    group_by: ['...']
    routes:
      - matchers: [severity="info"]
        receiver: ml-low
`) as RouteConfig,
  ),
);

const receivers = (labels: Record<string, string>) => route(tree, labels).map((r) => r.receiver);

describe('route', () => {
  it.each([
    [{ alertname: 'A' }, ['default']],
    [{ service: 'foo1' }, ['team-X-mails']],
    [{ service: 'foo1', severity: 'critical' }, ['team-X-pager']],
    [{ service: 'files', severity: 'warning' }, ['team-Y-mails']],
    [{ service: 'files', severity: 'critical' }, ['team-Y-pager']],
    // continue: true on the database route means the root goes on looking, finds nothing else → only it.
    [{ service: 'database' }, ['team-DB-pager']],
    // first child has continue, so the second child is also tried.
    [{ service: 'database', owner: 'team-X' }, ['team-X-pager']],
    [{ service: 'database', owner: 'team-Y' }, ['team-Y-pager']],
    // database route continues, so the team=ml route matches as well.
    [{ service: 'database', team: 'ml' }, ['team-DB-pager', 'ml']],
    [{ service: 'foo1', team: 'ml' }, ['team-X-mails']],
    [{ team: 'ml', severity: 'info' }, ['ml-low']],
  ])('%o → %o', (labels, want) => {
    expect(receivers(labels)).toEqual(want);
  });

  it('inherits timers, group_by and vigil fields; computes route keys', () => {
    const [files] = route(tree, { service: 'files', severity: 'critical' });
    expect(files?.groupWaitMs).toBe(10_000);
    expect(files?.groupIntervalMs).toBe(300_000);
    expect(files?.repeatIntervalMs).toBe(14_400_000);
    expect(files?.groupBy).toEqual(['alertname', 'cluster']);
    expect(files?.key).toBe('{}/{service="files"}/{severity="critical"}');
    const [low] = route(tree, { team: 'ml', severity: 'info' });
    expect(low?.groupBy).toBe('all');
    expect(low?.service).toBe('training');
    expect(low?.escalationPolicy).toBe('ml-primary');
    expect(low?.channels).toEqual(['slack-ml']);
    expect(tree.routes[0]?.key).toBe('{}/{service=~"foo1|foo2|baz"}');
  });

  it('merges and sorts match, match_re and matchers as Alertmanager does', () => {
    const t = buildRouteTree({
      receiver: 'r',
      routes: [{ match: { b: '2' }, match_re: { a: 'x|y' }, matchers: ['c!="3"', 'a="z"'] }],
    });
    expect(t.routes[0]?.key).toBe('{}/{a=~"x|y",a="z",b="2",c!="3"}');
  });

  it('reports every problem with its config path', () => {
    const { problems } = resolveRouteTree({
      receiver: '',
      matchers: ['a="b"'],
      routes: [
        { matchers: ['x=~"(?=y)"'], group_by: ['...', 'a'] },
        { match_re: { a: '[' }, group_wait: '5 minutes', group_by: ['a', 'a'] },
      ],
    });
    expect(problems.map((p) => p.path.join('.'))).toEqual([
      'route',
      'route.receiver',
      'route.routes.0.matchers.0',
      'route.routes.0.group_by',
      'route.routes.1.match_re.a',
      'route.routes.1.group_by.1',
      'route.routes.1.group_wait',
    ]);
  });

  it('schema is strict', () => {
    expect(routeSchema.safeParse({ receiver: 'r', group_wiat: '1s' }).success).toBe(false);
    expect(routeSchema.safeParse({ receiver: 'r', group_wait: 'soon' }).success).toBe(false);
  });
});

describe('group key', () => {
  it('matches Alertmanager examples', () => {
    expect(groupKey(tree, { alertname: 'X', cluster: 'a', instance: 'i' })).toBe(
      '{}:{alertname="X", cluster="a"}',
    );
    const [ml] = route(tree, { team: 'ml', alertname: 'X' });
    expect(ml && groupKey(ml, { team: 'ml', alertname: 'X' })).toBe(
      '{}/{team="ml"}:{alertname="X", team="ml"}',
    );
  });
  it('leaves missing and empty labels out; [] gives one group per route', () => {
    expect(groupLabels(tree, { alertname: 'X', cluster: '' })).toEqual({ alertname: 'X' });
    const one = buildRouteTree({ receiver: 'r', group_by: [] });
    expect(groupKey(one, { a: '1' })).toBe('{}:{}');
  });
  it('escapes values like Go %q and sorts names by bytes', () => {
    expect(
      groupKey(buildRouteTree({ receiver: 'r', group_by: ['...'] }), { b: 'q"\n', B: 'x', a: 'é' }),
    ).toBe('{}:{B="x", a="é", b="q\\"\\n"}');
  });
});
