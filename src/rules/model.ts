/**
 * The validated, normalised rule every compiler consumes. Validation (validate.ts) is the only
 * producer, so compilers can trust it: severity is canonical, the query already has unit literals
 * converted, and a rule lists a target only when it carries what that backend needs.
 */
import type { FieldIssue } from '../shared/errors.ts';
import type { AzureBlock, CloudWatchBlock, Target } from './schema.ts';
import type { Severity } from './severity.ts';

/** One validated rule. */
export interface Rule {
  name: string;
  /** File the rule came from and the line of its `name`, for messages. */
  file: string;
  line: number;
  /** Prometheus group (the file's `group:` or its file name without extension). */
  group: string;
  groupInterval?: string;
  targets: Target[];
  /** PromQL with unit literals converted to base units. */
  query?: string;
  for?: string;
  keepFiringFor?: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  actions: string[];
  cloudwatch?: CloudWatchBlock;
  azure?: AzureBlock;
}

/** The outcome of validating a set of rule files: the good rules, then every error and warning. */
export interface RuleSet {
  rules: Rule[];
  files: string[];
  errors: FieldIssue[];
  warnings: FieldIssue[];
}

/** A rule file's name and text, as validate takes them (no I/O in the core). */
export interface RuleSourceText {
  file: string;
  text: string;
}
