import { layerPieces } from './layer-pieces.ts';
import type { Override, ScheduleDef } from './model.ts';
import { pieceAt, whoIsOnCall } from './who.ts';

/**
 * The backup of a schedule at an instant (escalation target `schedule:ID:backup`):
 *
 * 1. if the schedule has layers with `role: backup`, the last such layer with someone on call
 *    (time off and covers apply as for primary layers; overrides do not);
 * 2. otherwise "the next person in the rotation": the slot after the current turn of the
 *    primary layer that decided who is on call, skipping anyone already primary.
 */
export interface BackupOnCall {
  users: readonly string[];
  why: 'backup-layer' | 'next-in-rotation' | 'none';
  layer: string | null;
}

/** Who backs up the primary on-call of `def` at `at`; `why: 'none'` when nobody does. */
export function backupAt(def: ScheduleDef, overrides: readonly Override[], at: number): BackupOnCall {
  const backups = def.layers.filter((l) => l.role === 'backup');
  if (backups.length > 0) {
    for (let i = backups.length - 1; i >= 0; i--) {
      const layer = backups[i];
      if (!layer) continue;
      const p = layerPieces(def, layer, at, at + 1)[0];
      if (p) return { users: p.users, why: 'backup-layer', layer: layer.name };
    }
    return { users: [], why: 'none', layer: null };
  }
  const primary = whoIsOnCall(def, overrides, at, { next: false }).users;
  const layers = def.layers.filter((l) => l.role === 'primary');
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (!layer) continue;
    const p = pieceAt(def, layer, at);
    if (!p) continue;
    const slots = p.version.slots;
    for (let j = 1; j <= slots.length; j++) {
      const next = (slots[(p.turn + j) % slots.length] ?? []).filter((u) => !primary.includes(u));
      if (next.length > 0) return { users: next, why: 'next-in-rotation', layer: layer.name };
    }
    return { users: [], why: 'none', layer: layer.name };
  }
  return { users: [], why: 'none', layer: null };
}
