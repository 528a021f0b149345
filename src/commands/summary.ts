import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mergeSnapshotReports } from '../results/merge.js';
import type { SnapshotReport } from '../results/types.js';

/** Bounds on what the summary job reads: files from the shards' artifacts, one per job. */
const MAX_FILES = 256; // GitHub's matrix limit
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * `summary`: one snapshot report from the `snapshots` outputs of a sharded run's jobs, saved
 * as `*.json` files in `dir` (inside the workspace) and passed on as artifacts.
 */
export function summaryCommand(workspace: string, dir: string): SnapshotReport {
  const root = path.resolve(workspace);
  const abs = path.resolve(root, dir);
  if (abs !== root && !abs.startsWith(root + path.sep)) throw new Error(`snapshots-dir ${dir} is outside the workspace`);
  let names: string[];
  try {
    names = readdirSync(abs).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new Error(`snapshots-dir ${dir} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!names.length) throw new Error(`snapshots-dir ${dir} has no .json files (each shard saves its snapshots output there)`);
  if (names.length > MAX_FILES) throw new Error(`snapshots-dir ${dir} has ${names.length} .json files, more than ${MAX_FILES} (a matrix has at most 256 jobs)`);
  const reports = names.map((n) => {
    const file = path.join(abs, n);
    const st = lstatSync(file);
    if (!st.isFile()) throw new Error(`${path.join(dir, n)} is not a regular file`);
    if (st.size > MAX_FILE_BYTES) throw new Error(`${path.join(dir, n)} is ${st.size} bytes, over the ${MAX_FILE_BYTES}-byte cap`);
    try {
      return { name: path.join(dir, n), report: JSON.parse(readFileSync(file, 'utf8')) as unknown };
    } catch {
      throw new Error(`${path.join(dir, n)} is not JSON`);
    }
  });
  return mergeSnapshotReports(reports);
}
