import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DesiredHost } from '../desired/types.js';
import { InventoryError } from '../inventory/types.js';
import { redact } from '../secret.js';
import { loadDesired } from './load.js';
import type { InventoryOptions } from './options.js';

/** The pull request a plan runs on: its base commit (and branch name, for messages). */
export interface PullRequestRef {
  baseSha?: string;
  baseRef?: string;
}

/** The base branch's desired state and what a diff against it is against (said in the comment). */
export interface BaseBranchDesired {
  hosts: DesiredHost[];
  against: string;
  /** False when the base could not be read or loaded: then nothing in the pull request is trusted. */
  readable: boolean;
}

const git = (cwd: string, args: string[], input?: Buffer) =>
  execFileSync('git', ['-C', cwd, ...args], { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });

/**
 * The inventory as it is on the base branch, extracted into a temporary directory that
 * mirrors the repository layout (so diagnostics keep repo-relative paths). Fetches the
 * base commit when the checkout is shallow. Undefined when the base has no inventory.
 */
export function extractBaseInventory(workspace: string, inventoryRel: string, baseSha: string): string | undefined {
  try {
    git(workspace, ['cat-file', '-e', `${baseSha}^{commit}`]);
  } catch {
    git(workspace, ['fetch', '--no-tags', '--depth=1', 'origin', baseSha]);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'restic-fleet-base-'));
  let tar: Buffer;
  try {
    tar = git(workspace, ['archive', '--format=tar', baseSha, '--', inventoryRel]);
  } catch {
    return undefined; // the inventory does not exist on the base branch: everything is new
  }
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  return dir;
}

/** An error's first line, redacted (git's messages repeat the whole command). */
const firstLine = (err: unknown): string => redact((err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300));

/**
 * The desired state of the base branch's inventory (all hosts: no limit). Falls back to an
 * empty inventory, saying why, when there is no base, git cannot give it, or it does not
 * load (a PR fixing a broken inventory: the base's errors are not this PR's, and their
 * annotations would point at lines of the PR's files).
 */
export async function baseBranchDesired(o: InventoryOptions, pr: PullRequestRef | undefined): Promise<BaseBranchDesired> {
  if (!pr?.baseSha) return { hosts: [], against: 'an empty inventory (no base branch: not a pull request)', readable: false };
  const branch = `the base branch ${pr.baseRef ?? ''} (${pr.baseSha.slice(0, 7)})`.replace('  ', ' ');
  const rel = path.relative(o.repoRoot, path.resolve(o.repoRoot, o.inventory));
  let dir: string | undefined;
  try {
    dir = extractBaseInventory(o.repoRoot, rel, pr.baseSha);
  } catch (err) {
    return { hosts: [], against: `an empty inventory: ${branch} could not be read from git (${firstLine(err)})`, readable: false };
  }
  if (!dir) return { hosts: [], against: `${branch}, which has no inventory at that path`, readable: true };
  try {
    const all = (await loadDesired({ ...o, repoRoot: dir, inventory: rel, offline: true, limit: undefined })).desired;
    return { hosts: all, against: branch, readable: true };
  } catch (err) {
    if (!(err instanceof InventoryError)) throw err;
    const n = err.diagnostics.filter((d) => d.severity === 'error').length;
    return { hosts: [], against: `an empty inventory: the inventory of ${branch} does not load (${n} error${n === 1 ? '' : 's'})`, readable: false };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
