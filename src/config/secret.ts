import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * A secret in the config: a literal string (fine for demos), `{ env: NAME }` read from the
 * environment, or `{ file: PATH }` read from a file (relative to the config file). Secrets are
 * resolved once at load time and never written to logs.
 */
export const secretSchema = z.union([
  z.string().min(1),
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ file: z.string().min(1) }),
]);

/** A secret as written in the config. */
export type SecretRef = z.infer<typeof secretSchema>;

/** Resolves a secret reference; returns an error message instead of throwing. */
export function resolveSecret(
  ref: SecretRef,
  baseDir: string,
  env: NodeJS.ProcessEnv,
): { value: string } | { error: string } {
  if (typeof ref === 'string') return { value: ref };
  if ('env' in ref) {
    const v = env[ref.env];
    return v ? { value: v } : { error: `environment variable ${ref.env} is not set` };
  }
  const file = path.resolve(baseDir, ref.file);
  try {
    return { value: fs.readFileSync(file, 'utf8').trim() };
  } catch (err) {
    return {
      error: `cannot read secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    };
  }
}
