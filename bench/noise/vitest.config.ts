import { defineConfig } from 'vitest/config';

/** Runs the bench's own tests (the root config only picks up src/ and test/). */
export default defineConfig({ test: { include: ['bench/noise/*.test.ts'], root: '.' } });
