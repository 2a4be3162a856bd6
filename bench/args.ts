/** The value after `--name` on the benchmark's command line, or `fallback` when it is not given. */
export function arg(name: string, fallback: string): string;
export function arg(name: string, fallback?: string): string | undefined;
export function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
