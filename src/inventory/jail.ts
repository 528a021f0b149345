import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { fmtBytes, LIMITS } from './limits.js';
import type { YamlBudget } from './yaml-source.js';

/**
 * The inventory is a jail: the loader reads only regular files whose real path
 * (symbolic links resolved) is inside the inventory directory, and that directory's
 * real path must be inside the workspace. A pull request controls every byte and
 * every link in the checkout, so:
 * - a link that leaves the inventory (to /etc/shadow, ../.git/config, a directory) is
 *   an error naming the link, never its target or the target's content;
 * - FIFOs, devices and sockets are refused before they are opened (opening a FIFO
 *   blocks; /dev/zero never ends), and a file is opened non-blocking, without
 *   following a final link, and checked again on the open descriptor;
 * - sizes are capped per file and in total (LIMITS), read at most cap + 1 bytes.
 * Nothing under a `.git` directory is read even inside the inventory (the checkout
 * keeps its token in .git/config).
 */
export class InventoryJail {
  private bytes = 0;
  private files = 0;
  /** YAML nodes of every file parsed in this load (LIMITS.yamlItems). */
  readonly yaml: YamlBudget = { items: 0 };
  /** ansible-vault decryptions in this load (LIMITS.vaultDecrypts). */
  readonly vault = { decrypts: 0 };
  private constructor(readonly realDir: string) {}

  /** Opens the jail, or says why the inventory directory cannot be one (already a message for the user). */
  static async open(workspace: string, inventoryAbs: string, shownDir: string): Promise<InventoryJail | { error: string }> {
    let realWorkspace: string;
    let realDir: string;
    try {
      realWorkspace = await realpath(workspace);
    } catch {
      return { error: `the workspace (repository root) does not exist or is not readable` };
    }
    try {
      realDir = await realpath(inventoryAbs);
    } catch {
      return { error: `inventory directory ${shownDir} does not exist or is not readable` };
    }
    if (!inside(realDir, realWorkspace)) {
      return { error: `inventory directory ${shownDir} is outside the workspace (repository root): only an inventory inside it is read` };
    }
    if (isUnderGit(realDir.slice(realWorkspace.length))) return { error: `inventory directory ${shownDir} is inside a .git directory: not read` };
    const st = await stat(realDir);
    if (!st.isDirectory()) return { error: `inventory directory ${shownDir} is not a directory` };
    return new InventoryJail(realDir);
  }

  /** Real paths of directories (few, shared by many files): one realpath call each. */
  private readonly realDirs = new Map<string, Promise<string>>();

  /**
   * Where a path inside the inventory really is, if it stays inside (links allowed); an
   * error message otherwise. A path that is not itself a link is its parent's real path
   * plus its name: one lstat, no realpath per file.
   */
  async locate(abs: string, shown: string): Promise<{ real: string; st: Stats } | { error: string }> {
    let real: string;
    let st: Stats;
    try {
      const lst = await lstat(abs);
      if (lst.isSymbolicLink()) {
        real = await realpath(abs);
        st = await stat(real);
      } else {
        const parent = dirname(abs);
        let dir = this.realDirs.get(parent);
        if (!dir) {
          dir = realpath(parent);
          this.realDirs.set(parent, dir);
        }
        real = join(await dir, basename(abs));
        st = lst;
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { error: `${shown} is a broken symbolic link (or vanished while reading): not read` };
      if (code === 'ELOOP') return { error: `${shown} is a symbolic link loop: not read` };
      return { error: `${shown} cannot be read (${code ?? 'error'})` };
    }
    if (!inside(real, this.realDir)) return { error: `${shown} is a symbolic link (or under one) that leads outside the inventory: not read` };
    if (isUnderGit(real.slice(this.realDir.length))) return { error: `${shown} resolves into a .git directory: not read` };
    return { real, st };
  }

  /** The text of a regular file inside the inventory, within the caps; an error message otherwise. */
  async readText(abs: string, shown: string): Promise<{ text: string } | { error: string; repeated?: boolean }> {
    // Counted before anything else: past the cap, each further file costs nothing and is reported once.
    if (++this.files > LIMITS.files) {
      return { error: `${shown}: the inventory has more than ${LIMITS.files} files to read (the cap): it and the files after it are not read`, repeated: this.files > LIMITS.files + 1 };
    }
    const where = await this.locate(abs, shown);
    if ('error' in where) return where;
    const kind = fileKind(where.st);
    if (kind !== 'file') return { error: `${shown} is a ${kind}, not a regular file: not read` };
    if (where.st.size > LIMITS.fileBytes) return { error: `${shown} is ${fmtBytes(where.st.size)}, over the ${fmtBytes(LIMITS.fileBytes)} cap per file: not read` };
    this.bytes += where.st.size;
    if (this.bytes > LIMITS.totalBytes) return { error: `${shown}: the inventory's files together are over the ${fmtBytes(LIMITS.totalBytes)} cap: not read` };
    // O_NONBLOCK: a FIFO swapped in after the check does not block the open; O_NOFOLLOW: nor a new link.
    const fh = await open(where.real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
    if (!fh) return { error: `${shown} cannot be opened: not read` };
    try {
      const st = await fh.stat();
      if (!st.isFile()) return { error: `${shown} is a ${fileKind(st)}, not a regular file: not read` };
      const buf = Buffer.alloc(Math.min(LIMITS.fileBytes, Math.max(st.size, where.st.size)) + 1);
      let n = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
        if (bytesRead === 0) break;
        n += bytesRead;
        if (n === buf.length) return { error: `${shown} grew while being read, over the ${fmtBytes(LIMITS.fileBytes)} cap per file: not read` };
      }
      return { text: buf.subarray(0, n).toString('utf8') };
    } finally {
      await fh.close();
    }
  }

  /** Entries of a directory inside the inventory (the directory itself checked like a file). */
  async list(abs: string, shown: string): Promise<{ entries: string[] } | { error: string } | { missing: true }> {
    const where = await this.locateIfPresent(abs, shown);
    if (!where) return { missing: true };
    if ('error' in where) return where;
    if (!where.st.isDirectory()) return { error: `${shown} is a ${fileKind(where.st)}, not a directory: not read` };
    return { entries: await readdir(where.real) };
  }

  /** As locate, but undefined when nothing (not even a broken link) is there. */
  async locateIfPresent(abs: string, shown: string): Promise<{ real: string; st: Stats } | { error: string } | undefined> {
    const r = await this.locate(abs, shown);
    if ('error' in r && /broken symbolic link/.test(r.error)) {
      try {
        await stat(abs);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !(await isLink(abs))) return undefined;
      }
    }
    return r;
  }
}

const isLink = (abs: string): Promise<boolean> => lstat(abs).then((s) => s.isSymbolicLink(), () => false);

const inside = (child: string, parent: string): boolean => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

const isUnderGit = (p: string): boolean => p.split(sep).includes('.git');

export function fileKind(st: Stats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSocket()) return 'socket';
  return 'special file';
}
