import type { Labels } from './alert.ts';

const encoder = new TextEncoder();

/** Compares two strings by their UTF-8 bytes, as Go's sort does (JS `<` compares UTF-16 units). */
export function compareUtf8(a: string, b: string): number {
  // For strings without surrogates, UTF-16 code unit order equals code point order equals UTF-8
  // byte order; only astral characters (surrogate pairs) sort differently.
  if (!/[\ud800-\udfff]/.test(a) && !/[\ud800-\udfff]/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Alertmanager's fingerprint: 64-bit FNV-1a over the label names sorted by UTF-8 bytes, hashing
 * `name 0xFF value 0xFF` for each pair, printed as 16 lower-case hex digits. Using the same
 * algorithm gives an alert the same id in vigil and in Alertmanager.
 */
const SURROGATE = /[\ud800-\udfff]/;

// The 64-bit FNV-1a state as four 16-bit limbs (h0 lowest), so the multiply stays exact in
// doubles. Module-level so the hot loop allocates nothing; fingerprint() is synchronous.
let h0 = 0;
let h1 = 0;
let h2 = 0;
let h3 = 0;

function step(byte: number): void {
  h0 ^= byte;
  // multiply by the FNV prime 2^40 + 0x1b3, modulo 2^64
  const t0 = h0 * 0x1b3;
  let t1 = h1 * 0x1b3;
  let t2 = h2 * 0x1b3 + h0 * 0x100;
  let t3 = h3 * 0x1b3 + h1 * 0x100;
  t1 += t0 >>> 16;
  t2 += t1 >>> 16;
  t3 += t2 >>> 16;
  h0 = t0 & 0xffff;
  h1 = t1 & 0xffff;
  h2 = t2 & 0xffff;
  h3 = t3 & 0xffff;
}

function hashString(s: string): void {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      for (const b of encoder.encode(s)) step(b);
      return;
    }
  }
  for (let i = 0; i < s.length; i++) step(s.charCodeAt(i));
}

/** Two hex digits for each byte value: four lookups print a 16-bit limb (toString and padStart took a quarter of a fingerprint). */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hex(n: number): string {
  return (HEX[n >>> 8] ?? '') + (HEX[n & 0xff] ?? '');
}

/**
 * Alertmanager's fingerprint: 64-bit FNV-1a over the label names sorted by UTF-8 bytes, hashing
 * `name 0xFF value 0xFF` for each pair, printed as 16 lower-case hex digits. Using the same
 * algorithm gives an alert the same id in vigil and in Alertmanager.
 */
export function fingerprint(labels: Labels): string {
  const names = Object.keys(labels);
  // Without surrogate pairs, UTF-16 order (the default sort) is UTF-8 byte order.
  if (names.some((n) => SURROGATE.test(n))) names.sort(compareUtf8);
  else names.sort();
  h0 = 0x2325;
  h1 = 0x8422;
  h2 = 0x9ce4;
  h3 = 0xcbf2;
  for (const name of names) {
    hashString(name);
    step(0xff);
    hashString(labels[name] ?? '');
    step(0xff);
  }
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}
