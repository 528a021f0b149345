/** Compares dotted numeric versions ("0.14.0" < "0.16.4"). */
export function versionAtLeast(v: string, min: string): boolean {
  const a = v.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** restic ≥ 0.17 exits 10 (repository does not exist), 11 (locked), 12 (wrong password). */
export const RESTIC_EXIT_CODES = '0.17.0';
/** restic ≥ 0.16 waits for a lock itself (`--retry-lock`). */
export const RESTIC_RETRY_LOCK = '0.16.0';
