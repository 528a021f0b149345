import { showControls } from '../safe-text.js';
import { hostNameProblem } from './host-name.js';
import { expandHostPattern } from './host-pattern.js';
import { LIMITS } from './limits.js';
import type { RawMap, RawNode } from './raw.js';
import type { Diagnostic, SourcePos } from './types.js';

export interface GroupDef {
  name: string;
  /** Inline `vars:` blocks in hosts.yml, in document order (a group may be written several times). */
  inlineVars: RawMap[];
  hosts: Set<string>;
  children: Set<string>;
  parents: Set<string>;
  pos?: SourcePos;
  depth: number;
  priority: number;
}

export interface HostDef {
  name: string;
  /** The host's first entry in hosts.yml: where "missing variable" errors point. */
  pos: SourcePos;
  /** Inline host variables, in document order (later entries win per variable, as in Ansible). */
  inlineVars: RawMap[];
  /** Groups that list the host directly. */
  groups: Set<string>;
}

export interface InventoryGraph {
  groups: Map<string, GroupDef>;
  hosts: Map<string, HostDef>;
  /** Set when the host cap was reached (reported once; later hosts are not added). */
  full?: boolean;
}

const SECTIONS = new Set(['hosts', 'vars', 'children']);

/**
 * Reads the Ansible YAML inventory structure (as Ansible's `yaml` inventory plugin
 * does): top-level keys are groups; a group has `hosts`, `vars`, `children`.
 */
export function readHostsFile(root: RawNode | null, file: string, graph: InventoryGraph, diagnostics: Diagnostic[]): void {
  const error = (pos: SourcePos, message: string, key?: string) =>
    diagnostics.push({ severity: 'error', pos, message, ...(key ? { key } : {}) });
  const warn = (pos: SourcePos, message: string) => diagnostics.push({ severity: 'warning', pos, message });

  const group = (name: string, pos?: SourcePos): GroupDef => {
    let g = graph.groups.get(name);
    if (!g) {
      g = { name, inlineVars: [], hosts: new Set(), children: new Set(), parents: new Set(), depth: 0, priority: 1 };
      graph.groups.set(name, g);
    }
    if (pos && !g.pos) g.pos = pos;
    return g;
  };

  const parseGroup = (name: string, data: RawNode, keyPos: SourcePos): GroupDef | undefined => {
    if (data.kind !== 'map' && !(data.kind === 'scalar' && data.value === null)) {
      warn(keyPos, `skipping "${name}": a group must be a mapping with hosts, vars or children`);
      return undefined;
    }
    const g = group(name, keyPos);
    if (data.kind !== 'map') return g;
    for (const [section, { keyPos: sectionPos, node }] of data.entries) {
      if (!SECTIONS.has(section)) {
        warn(sectionPos, `unexpected key "${section}" in group "${name}" (only hosts, vars and children are valid); skipped`);
        continue;
      }
      if (node.kind === 'scalar' && node.value === null) continue;
      if (node.kind !== 'map') {
        error(node.pos, `"${section}" of group "${name}" must be a mapping`);
        continue;
      }
      if (section === 'vars') {
        g.inlineVars.push(node);
        const prio = node.entries.get('ansible_group_priority')?.node;
        if (prio?.kind === 'scalar' && typeof prio.value === 'number') g.priority = prio.value;
      } else if (section === 'children') {
        for (const [child, e] of node.entries) {
          const c = parseGroup(child, e.node, e.keyPos);
          if (!c) continue;
          if (child === 'all') {
            error(e.keyPos, `group "all" cannot be a child of "${name}"`);
            continue;
          }
          g.children.add(child);
          c.parents.add(name);
        }
      } else {
        for (const [pattern, e] of node.entries) addHosts(g, pattern, e.keyPos, e.node);
      }
    }
    return g;
  };

  const addHosts = (g: GroupDef, pattern: string, keyPos: SourcePos, vars: RawNode) => {
    let names = pattern;
    let port: number | undefined;
    // "host:2222" sets ansible_port, as Ansible does (not for bare IPv6 addresses).
    const m = /^([^:]+):(\d+)$/.exec(pattern);
    if (m) {
      names = m[1]!;
      port = Number(m[2]);
    }
    const expanded = expandHostPattern(names);
    if ('error' in expanded) {
      error(keyPos, expanded.error);
      return;
    }
    // Checked after expansion: web[01:10] is fine when web01 … web10 are.
    for (const name of expanded.hosts) {
      const problem = hostNameProblem(name);
      if (!problem) continue;
      const shown = showControls(name);
      error(keyPos, `host name "${shown}"${name === names ? '' : ` (from "${showControls(pattern)}")`} ${problem}`);
      return;
    }
    if (vars.kind !== 'map' && !(vars.kind === 'scalar' && vars.value === null)) {
      error(vars.pos, `variables of host "${pattern}" must be a mapping`);
      return;
    }
    for (const name of expanded.hosts) {
      let h = graph.hosts.get(name);
      if (!h && graph.hosts.size >= LIMITS.hosts) {
        if (!graph.full) error(keyPos, `the inventory has more than ${LIMITS.hosts} hosts (the cap): "${pattern}" and the hosts after it are not read`);
        graph.full = true;
        return;
      }
      if (!h) {
        h = { name, pos: keyPos, inlineVars: [], groups: new Set() };
        graph.hosts.set(name, h);
      }
      h.groups.add(g.name);
      g.hosts.add(name);
      if (port !== undefined) {
        h.inlineVars.push({
          kind: 'map',
          pos: keyPos,
          entries: new Map([['ansible_port', { keyPos, node: { kind: 'scalar', value: port, pos: keyPos } }]]),
        });
      }
      if (vars.kind === 'map') h.inlineVars.push(vars);
    }
  };

  if (root === null) return;
  if (root.kind !== 'map') {
    error(root.pos, `${file} must be a mapping of groups (usually starting with "all:")`);
    return;
  }
  for (const [name, e] of root.entries) parseGroup(name, e.node, e.keyPos);
}

/**
 * Completes the graph as Ansible's reconcile step does: every group is under
 * `all`, hosts in no group but `all` go to `ungrouped`; computes depths (longest
 * path from `all`) and reports child cycles.
 */
export function reconcile(graph: InventoryGraph, diagnostics: Diagnostic[]): void {
  const all = graph.groups.get('all') ?? newGroup('all');
  graph.groups.set('all', all);
  const ungrouped = graph.groups.get('ungrouped') ?? newGroup('ungrouped');
  graph.groups.set('ungrouped', ungrouped);
  for (const h of graph.hosts.values()) {
    const real = [...h.groups].filter((g) => g !== 'all' && g !== 'ungrouped');
    if (real.length === 0) {
      h.groups.add('ungrouped');
      ungrouped.hosts.add(h.name);
    }
  }
  for (const g of graph.groups.values()) {
    if (g.name !== 'all' && g.parents.size === 0) {
      all.children.add(g.name);
      g.parents.add('all');
    }
  }
  // Depth = longest path from "all" (Ansible's group depth); a cycle is reported and cut.
  // One depth-first pass (each group once) finds cycles and a topological order, then
  // depths follow in that order: linear in groups + edges, whatever order hosts.yml uses.
  const state = new Map<string, 'visiting' | 'done'>();
  const postorder: string[] = [];
  const cut = new Set<string>();
  const trail: string[] = [];
  const visit = (name: string): boolean => {
    const g = graph.groups.get(name)!;
    const s = state.get(name);
    if (s === 'visiting') {
      diagnostics.push({
        severity: 'error',
        ...(g.pos ? { pos: g.pos } : {}),
        message: `group cycle: ${[...trail, name].join(' → ')} (a group cannot be its own descendant)`,
      });
      return false;
    }
    if (s === 'done') return true;
    state.set(name, 'visiting');
    trail.push(name);
    for (const c of g.children) if (!visit(c)) cut.add(`${name}\0${c}`);
    trail.pop();
    state.set(name, 'done');
    postorder.push(name);
    return true;
  };
  visit('all');
  for (const name of postorder.reverse()) {
    const g = graph.groups.get(name)!;
    for (const c of g.children) {
      if (cut.has(`${name}\0${c}`)) continue;
      const child = graph.groups.get(c)!;
      child.depth = Math.max(child.depth, g.depth + 1);
    }
  }
  for (const g of graph.groups.values()) {
    if (!state.has(g.name)) {
      diagnostics.push({
        severity: 'error',
        ...(g.pos ? { pos: g.pos } : {}),
        message: `group cycle: "${g.name}" is its own ancestor (through ${[...g.parents].join(', ')})`,
      });
      state.set(g.name, 'done');
    }
  }
}

const newGroup = (name: string): GroupDef => ({
  name,
  inlineVars: [],
  hosts: new Set(),
  children: new Set(),
  parents: new Set(),
  depth: 0,
  priority: 1,
});

/** All groups a host belongs to, directly or through children (includes "all"). */
export function hostGroups(graph: InventoryGraph, host: HostDef): Set<string> {
  const out = new Set<string>();
  const stack = [...host.groups];
  while (stack.length) {
    const g = stack.pop()!;
    if (out.has(g)) continue;
    out.add(g);
    for (const p of graph.groups.get(g)?.parents ?? []) stack.push(p);
  }
  out.add('all');
  return out;
}
