import { unresolvedPaths } from './loader.js';
import { fmtPos, keyPath } from './raw.js';
import type { Diagnostic, HostVars, SourcePos, VarValue } from './types.js';
import type { z } from 'zod';

export type Path = (string | number)[];

/** Diagnostics of one host's validation; silent about paths the loader already reported. */
export class HostValidation {
  readonly diagnostics: Diagnostic[] = [];
  private readonly skip: Path[];

  constructor(readonly h: HostVars) {
    this.skip = [...unresolvedPaths(h)];
  }

  /** A path the loader could not resolve was reported there already (or by reportOnce). */
  skipped(path: Path): boolean {
    return this.skip.some((s) => s.length <= path.length && s.every((seg, i) => seg === path[i]));
  }

  /** Reports an error at a path and stays silent about the path (and below it) afterwards: one error per mistake. */
  reportOnce(path: Path, message: string): void {
    this.add('error', path, message);
    this.skip.push(path);
  }

  add(severity: Diagnostic['severity'], path: Path, message: string, pos?: SourcePos): void {
    if (this.skipped(path)) return;
    const d: Diagnostic = { severity, message };
    if (path.length) d.key = keyPath(path);
    const at = pos ?? this.h.posOf(path);
    if (at) d.pos = at;
    this.diagnostics.push(d);
  }

  parse<T>(schema: z.ZodType<T>, vars: Record<string, VarValue>): T | undefined {
    const r = schema.safeParse(vars);
    if (r.success) return r.data;
    for (const issue of r.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      this.add('error', path, issue.message);
    }
    return undefined;
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }
}

export const where = (v: HostValidation, path: Path): string => {
  const p = v.h.posOf(path);
  return p ? fmtPos(p) : 'unknown position';
};
