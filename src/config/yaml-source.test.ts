import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYamlSource, zodIssues } from './yaml-source.ts';

describe('yaml source locations', () => {
  it('names line and column of an invalid field', () => {
    const src = parseYamlSource('x.yaml', 'a:\n  - name: ok\n  - name: 5\n');
    const res = z.object({ a: z.array(z.object({ name: z.string() })) }).safeParse(src.value);
    expect(res.success).toBe(false);
    if (res.success) return;
    const [issue] = zodIssues(src, res.error);
    expect(issue).toMatchObject({ file: 'x.yaml', line: 3, column: 11, field: 'a[1].name' });
  });

  it('reports every syntax error with a position', () => {
    const src = parseYamlSource('bad.yaml', 'a: [1, 2\nb: {');
    expect(src.syntaxIssues.length).toBeGreaterThan(0);
    expect(src.syntaxIssues[0]).toMatchObject({ file: 'bad.yaml' });
    expect(src.syntaxIssues[0]?.line).toBeGreaterThan(0);
  });
});
