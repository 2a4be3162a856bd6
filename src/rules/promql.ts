/**
 * PromQL checks with the official grammar (`@prometheus-io/lezer-promql`), plus the one rewrite
 * vigil does: a number written with a unit (`> 500ms`) becomes plain seconds (`> 0.5`), the
 * Prometheus base-unit convention, because older Prometheus/promtool versions reject such literals
 * and newer ones would read them as seconds anyway.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { parseDuration } from '../shared/duration.ts';

/** A PromQL syntax problem at a character offset of the query text. */
interface PromqlError {
  offset: number;
  message: string;
}

/** A number-with-unit literal that was converted to seconds. */
interface UnitConversion {
  offset: number;
  written: string;
  seconds: number;
}

/** Result of checking one query. */
interface PromqlCheck {
  errors: PromqlError[];
  /** The query with unit literals converted; equal to the input when nothing was converted. */
  normalized: string;
  conversions: UnitConversion[];
}

const DURATION_LITERAL = /^\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*$/;
const UNIT_NUMBER = /^\d+(?:\.\d+)?[A-Za-z%]+$/;

/** Parses `query`, returning every error node (the first one first) and the normalized form. */
export function checkPromql(query: string): PromqlCheck {
  const tree = parser.parse(query);
  const errors: PromqlError[] = [];
  const conversions: UnitConversion[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        const near = query.slice(node.from, node.from + 12).split('\n')[0] ?? '';
        const unit = /[0-9.]+$/.exec(query.slice(0, node.from));
        if (unit && /^[A-Za-z%]/.test(near)) {
          errors.push({
            offset: unit.index,
            message: `"${unit[0]}${/^[A-Za-z%]+/.exec(near)?.[0] ?? ''}" has a unit PromQL cannot read; write the threshold in base units (seconds, bytes, ratio 0–1), e.g. 500ms or 0.5 for latency`,
          });
          return false;
        }
        errors.push({
          offset: node.from,
          message: near
            ? `PromQL syntax error near "${near}"; check brackets, quotes and operators`
            : 'PromQL syntax error: the query ends too early (an unclosed bracket or a missing operand?)',
        });
        return false;
      }
      if (node.name === 'NumberDurationLiteral') {
        const text = query.slice(node.from, node.to);
        if (DURATION_LITERAL.test(text)) {
          const ms = parseDuration(text);
          if (ms !== undefined) conversions.push({ offset: node.from, written: text, seconds: ms / 1000 });
        } else if (UNIT_NUMBER.test(text)) {
          errors.push({
            offset: node.from,
            message: `"${text}" is a number with a unit PromQL does not know; write the value in base units (seconds, bytes, ratio 0–1)`,
          });
        }
      }
      return undefined;
    },
  });
  let normalized = query;
  for (const c of [...conversions].reverse()) {
    normalized =
      normalized.slice(0, c.offset) + String(c.seconds) + normalized.slice(c.offset + c.written.length);
  }
  return { errors, normalized, conversions };
}
