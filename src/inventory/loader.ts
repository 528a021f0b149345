import { runPool } from '../util/pool.js';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { dedupeDiagnostics, errorsOf, warningsOf } from './diagnostics.js';
import { InventoryJail } from './jail.js';
import { hostGroups, readHostsFile, reconcile, type GroupDef, type HostDef, type InventoryGraph } from './hosts-file.js';
import { posAt, type PosTree, type RawEntry, type RawMap } from './raw.js';
import { HostResolver, ResolveContext } from './resolve.js';
import { InventoryError, type Diagnostic, type HostVars, type LoadedInventory, type LoadOptions, type Path, type SourcePos, type VarValue } from './types.js';
import { findVarFiles, openVarsDir, readVarsFile, readYamlFile, type VarsDir, type VarsFile } from './var-files.js';

/**
 * Variables restic-fleet reads. Only these (and what they reference) are
 * templated: real inventories carry many other variables, with Jinja we do not
 * evaluate, and they must not break validation.
 */
export const isRelevantVar = (name: string): boolean =>
  name.startsWith('restic_') || name.startsWith('docker_') || CONNECTION_VARS.has(name);
const CONNECTION_VARS = new Set(['ansible_host', 'ansible_port', 'ansible_user', 'ansible_become']);

const HOSTS_FILES = ['hosts.yaml', 'hosts.yml'];
/** Names whose files are read at once: enough to overlap I/O, few enough to stay far from the open-files limit. */
const READ_CONCURRENCY = 32;

/** Loads the inventory; throws InventoryError (with every problem found) when anything is wrong. */
export async function loadInventory(opts: LoadOptions): Promise<LoadedInventory> {
  const { inventory, diagnostics } = await loadInventoryCollecting(opts);
  if (errorsOf(diagnostics).length) throw new InventoryError(diagnostics);
  return inventory;
}

/**
 * Loads as far as possible and returns every diagnostic instead of throwing, so
 * that loader errors (undefined secrets, bad templates) and schema errors can be
 * reported together.
 */
export async function loadInventoryCollecting(opts: LoadOptions): Promise<{ inventory: LoadedInventory; diagnostics: Diagnostic[] }> {
  const repoRoot = resolve(opts.repoRoot);
  const absDir = isAbsolute(opts.inventoryDir) ? opts.inventoryDir : resolve(repoRoot, opts.inventoryDir);
  const rel = (abs: string): string => relative(repoRoot, abs).split(sep).join('/') || '.';
  const dir = rel(absDir);
  const vaultPassword = opts.vaultPassword === '' ? undefined : opts.vaultPassword;
  const diagnostics: Diagnostic[] = [];
  const empty: LoadedInventory = { dir, hosts: [], groups: {}, warnings: [] };

  const jail = await InventoryJail.open(repoRoot, absDir, dir);
  if ('error' in jail) {
    diagnostics.push({ severity: 'error', message: jail.error });
    return { inventory: empty, diagnostics };
  }
  const listed = await jail.list(absDir, dir);
  if (!('entries' in listed)) {
    diagnostics.push({ severity: 'error', message: 'error' in listed ? listed.error : `inventory directory ${dir} does not exist or is not readable` });
    return { inventory: empty, diagnostics };
  }
  const dirEntries = listed.entries;
  const hostsFiles = HOSTS_FILES.filter((f) => dirEntries.includes(f));
  if (hostsFiles.length === 0) {
    diagnostics.push({ severity: 'error', message: `no hosts.yml (or hosts.yaml) in inventory directory ${dir}` });
    return { inventory: empty, diagnostics };
  }

  const graph: InventoryGraph = { groups: new Map(), hosts: new Map() };
  for (const f of hostsFiles) {
    const abs = join(absDir, f);
    const { root } = await readYamlFile(jail, abs, rel(abs), { vaultPassword, diagnostics, placeholderSecrets: opts.placeholderSecrets });
    readHostsFile(root, rel(abs), graph, diagnostics);
  }
  reconcile(graph, diagnostics);
  if (graph.hosts.size === 0) {
    diagnostics.push({ severity: 'warning', pos: { file: rel(join(absDir, hostsFiles[0]!)), line: 1, col: 1 }, message: 'the inventory has no hosts' });
  }

  // group_vars / host_vars: each file read once, concurrently.
  const dirOf = (name: string) => openVarsDir(jail, join(absDir, name), rel(join(absDir, name)), diagnostics);
  const [groupDir, hostDir] = await Promise.all([dirOf('group_vars'), dirOf('host_vars')]);
  // Diagnostics are collected per name and appended in a fixed order (reads finish in any order).
  const load = async (vd: VarsDir, name: string) => {
    const local: Diagnostic[] = [];
    const { files, shadowed, errors } = await findVarFiles(jail, vd, name, rel);
    local.push(...errors);
    for (const abs of shadowed) {
      local.push({
        severity: 'warning',
        pos: { file: rel(abs), line: 1, col: 1 },
        message: `ignored: ${rel(join(vd.abs, name))} is read instead (Ansible reads only the first of ${name}, ${name}.yml, ${name}.yaml, ${name}.json)`,
      });
    }
    const perFile = files.map(() => [] as Diagnostic[]);
    const loaded = await Promise.all(files.map((abs, i) => readVarsFile(jail, abs, rel(abs), { vaultPassword, diagnostics: perFile[i]!, placeholderSecrets: opts.placeholderSecrets })));
    return { loaded, diagnostics: [...local, ...perFile.flat()] };
  };
  const groupNames = [...graph.groups.keys()];
  const hostNames = [...graph.hosts.keys()].sort();
  const groupFiles = await runPool(groupNames, READ_CONCURRENCY, (g) => load(groupDir, g));
  const hostFiles = await runPool(hostNames, READ_CONCURRENCY, (h) => load(hostDir, h));
  for (const r of [...groupFiles, ...hostFiles]) diagnostics.push(...r.diagnostics);
  const groupVarFiles = new Map(groupNames.map((g, i) => [g, groupFiles[i]!.loaded]));
  const hostVarFiles = new Map(hostNames.map((h, i) => [h, hostFiles[i]!.loaded]));
  reportUnused(groupDir, 'group', rel, diagnostics);
  reportUnused(hostDir, 'host', rel, diagnostics);

  // Ansible's group order for variables: depth, then ansible_group_priority, then name.
  const order = new Map(
    [...graph.groups.values()]
      .sort((a, b) => a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((g, i) => [g.name, i]),
  );

  const memberships = new Map<string, string[]>(hostNames.map((h) => [h, [...hostGroups(graph, graph.hosts.get(h)!)]]));
  const groups: Record<string, string[]> = {};
  for (const g of graph.groups.keys()) groups[g] = [];
  for (const h of hostNames) for (const g of memberships.get(h)!) groups[g]!.push(h);

  const ctx = new ResolveContext(opts.env, vaultPassword, opts.placeholderSecrets, opts.envAllowlist, jail.vault);
  const hosts: HostVars[] = [];
  for (const name of hostNames) {
    const host = graph.hosts.get(name)!;
    const member = memberships.get(name)!.sort((a, b) => order.get(a)! - order.get(b)!);
    const layers = precedenceLayers(graph, host, member, groupVarFiles, hostVarFiles.get(name)!);
    hosts.push(resolveHost(host, member, layers, groups, ctx, diagnostics));
  }

  const all = dedupeDiagnostics(diagnostics);
  return { inventory: { dir, hosts, groups, warnings: warningsOf(all) }, diagnostics: all };
}

interface Layers {
  maps: RawMap[];
  files: VarsFile[];
}

/**
 * Variable sources of one host, lowest precedence first (Ansible's order, with
 * the default hash_behaviour=replace: a later definition replaces the whole value):
 *   1. inline `vars:` of group all in hosts.yml, then of the host's other groups (by depth, priority, name)
 *   2. group_vars/all, then group_vars/<group> for the host's groups (same order)
 *   3. inline host variables in hosts.yml
 *   4. host_vars/<host>
 */
function precedenceLayers(
  graph: InventoryGraph,
  host: HostDef,
  member: string[],
  groupVarFiles: Map<string, VarsFile[]>,
  hostFiles: VarsFile[],
): Layers {
  const maps: RawMap[] = [];
  const files: VarsFile[] = [];
  for (const g of member) maps.push(...(graph.groups.get(g) as GroupDef).inlineVars);
  for (const g of member) files.push(...(groupVarFiles.get(g) ?? []));
  files.push(...hostFiles);
  const fileMaps = (list: VarsFile[]) => list.flatMap((f) => (f.vars ? [f.vars] : []));
  const groupFiles = files.slice(0, files.length - hostFiles.length);
  return { maps: [...maps, ...fileMaps(groupFiles), ...host.inlineVars, ...fileMaps(hostFiles)], files };
}

function resolveHost(
  host: HostDef,
  member: string[],
  layers: Layers,
  groups: Record<string, string[]>,
  ctx: ResolveContext,
  diagnostics: Diagnostic[],
): HostVars {
  const merged = new Map<string, RawEntry>();
  for (const m of layers.maps) for (const [k, e] of m.entries) merged.set(k, e);

  const groupNames = member.filter((g) => g !== 'all').sort();
  const magic: Record<string, VarValue> = {
    inventory_hostname: host.name,
    inventory_hostname_short: host.name.split('.')[0]!,
    group_names: groupNames,
    groups,
  };
  const failedVault = layers.files.filter((f) => f.vaultFailed).map((f) => f.file);
  const unread = layers.files.filter((f) => f.unread).map((f) => f.file);
  const hint =
    (failedVault.length ? ` (note: ${failedVault.join(', ')} could not be decrypted)` : '') +
    (unread.length ? ` (note: ${unread.join(', ')} could not be read)` : '');
  const resolver = new HostResolver(merged, magic, ctx, (d) => diagnostics.push(d), hint);

  const vars: Record<string, VarValue> = {};
  const trees = new Map<string, { keyPos: SourcePos; tree: PosTree }>();
  const failed: Path[] = [];
  for (const [name, entry] of merged) {
    if (!isRelevantVar(name)) continue;
    const r = resolver.resolveVar(name)!;
    vars[name] = r.value;
    trees.set(name, { keyPos: entry.keyPos, tree: r.pos });
    for (const f of r.failed) failed.push([name, ...f]);
  }

  const posOf = (path: Path): SourcePos | undefined => {
    const t = path.length ? trees.get(String(path[0])) : undefined;
    if (!t) return host.pos;
    return posAt(t.tree, path.slice(1)).pos;
  };
  const keyPosOf = (path: Path): SourcePos | undefined => {
    const t = path.length ? trees.get(String(path[0])) : undefined;
    if (!t) return host.pos;
    if (path.length === 1) return t.keyPos;
    const p = posAt(t.tree, path.slice(1));
    return p.complete ? (p.keyPos ?? p.pos) : p.pos;
  };
  return { name: host.name, groupNames, vars, posOf, keyPosOf, unresolved: failed };
}

function reportUnused(dir: VarsDir, kind: 'group' | 'host', rel: (abs: string) => string, diagnostics: Diagnostic[]): void {
  for (const entry of [...dir.entries].sort()) {
    if (dir.used.has(entry) || entry.startsWith('.') || entry.endsWith('~')) continue;
    const ext = /\.(ya?ml|json)$/.exec(entry);
    const name = ext ? entry.slice(0, -ext[0].length) : entry;
    diagnostics.push({
      severity: 'warning',
      pos: { file: rel(join(dir.abs, entry)), line: 1, col: 1 },
      message: `no ${kind} named "${name}" in the inventory: ${kind}_vars/${entry} is ignored`,
    });
  }
}
