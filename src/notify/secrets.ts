import { z } from 'zod';

/**
 * A secret is never written inline in config: it is a reference to an environment variable or a
 * file, resolved once at load time. Keeping values out of YAML keeps them out of git, and keeping
 * them in one place lets the redactor scrub them from every error and delivery log.
 */
export const secretRefSchema = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
/** A reference to a secret value. */
export type SecretRef = z.infer<typeof secretRefSchema>;

/** Where secret references are resolved from (injected so tests need no real env or files). */
export interface SecretSource {
  env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
}

/** Resolves one reference; returns an error message instead of throwing. */
export function resolveSecret(ref: SecretRef, source: SecretSource): { value: string } | { error: string } {
  if ('env' in ref) {
    const v = source.env[ref.env];
    return v ? { value: v } : { error: `environment variable ${ref.env} is not set` };
  }
  try {
    const v = source.readFile(ref.file).trim();
    return v ? { value: v } : { error: `secret file ${ref.file} is empty` };
  } catch (err) {
    return {
      error: `cannot read secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    };
  }
}

const MARK = '[REDACTED]';

/**
 * Scrubs known secret values (and their common encodings) from text before it is logged, stored
 * in the delivery log or put into an error message.
 */
export class Redactor {
  private readonly values = new Set<string>();

  /** Registers a secret; short values (under 4 chars) are ignored to avoid shredding text. */
  add(secret: string): void {
    if (secret.length < 4) return;
    this.values.add(secret);
    this.values.add(encodeURIComponent(secret));
    this.values.add(Buffer.from(secret).toString('base64'));
  }

  /** Registers `user:password` as used in HTTP basic auth (its base64 form is what leaks). */
  addBasic(user: string, password: string): void {
    this.add(password);
    this.values.add(Buffer.from(`${user}:${password}`).toString('base64'));
  }

  /** Returns `text` with every registered secret replaced by `[REDACTED]`. */
  redact(text: string): string {
    let out = text;
    // Longest first so a secret containing another is replaced whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) {
      if (v && out.includes(v)) out = out.split(v).join(MARK);
    }
    return out;
  }
}
