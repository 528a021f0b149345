// The validator takes everything it needs from the host it is given (variables, value
// and key positions, the paths the loader already reported): no loader state. And the
// loader hands those over as data.
import { describe, expect, it } from 'vitest';
import { loadInventoryCollecting } from '../../../src/inventory/loader.js';
import { SET_TYPES, setShape } from '../../../src/inventory/schema.js';
import { SET_TYPE_KEYS } from '../../../src/inventory/set-types.js';
import type { HostVars, Path, SourcePos, VarValue } from '../../../src/inventory/types.js';
import { validateHost } from '../../../src/inventory/validate.js';
import { Secret } from '../../../src/secret.js';
import { where, writeInventory } from './helpers.js';

/** A host built by hand: values at line 10 + depth, keys at column 1. */
function host(vars: Record<string, VarValue>, unresolved: Path[] = []): HostVars {
  const at = (path: Path, col: number): SourcePos => ({ file: 'by-hand.yml', line: 10 + path.length, col });
  return { name: 'h1.example.com', groupNames: [], vars, posOf: (p) => at(p, 5), keyPosOf: (p) => at(p, 1), unresolved };
}

const client = {
  ansible_host: '127.0.0.1',
  restic_repo: 'server:8000/x',
  restic_repo_password: new Secret('repo-password-1', 'env X'),
  restic_backup_sets: [{ id: 'a', type: 'docker-volume', volume: 'vol1' }],
};

describe('validateHost on a host built by hand', () => {
  it('reads a valid client', () => {
    const r = validateHost(host(client));
    expect(r.diagnostics).toEqual([]);
    expect(r.host?.client?.sets).toEqual([{ id: 'a', type: 'docker-volume', volume: 'vol1', tags: [], hour: '1', minute: '0' }]);
  });

  it('points values at posOf and unknown keys at keyPosOf', () => {
    const sets = [{ id: 'a', type: 'docker-volume', volume: 'vol1', minute: 'x', tag: ['t'] }];
    const r = validateHost(host({ ...client, restic_backup_sets: sets }));
    expect(r.host).toBeUndefined();
    expect(r.diagnostics.map(where)).toEqual([
      'by-hand.yml:13:1 error restic_backup_sets[0].tag',
      'by-hand.yml:13:5 error restic_backup_sets[0].minute',
    ]);
    expect(r.diagnostics[0]!.message).toBe('unknown key "tag" (did you mean "tags"?)');
  });

  it('stays silent about the paths the host says the loader reported', () => {
    const vars = { ...client, restic_repo_password: null, restic_backup_sets: [{ id: 'a', type: 'docker-volume', volume: 'bad volume' }] };
    expect(validateHost(host(vars)).diagnostics.map((d) => d.key)).toEqual(['restic_repo_password', 'restic_backup_sets[0].volume']);
    const r = validateHost(host(vars, [['restic_repo_password'], ['restic_backup_sets', 0]]));
    expect(r.diagnostics).toEqual([]);
    // Silent, yet not valid: the loader's error stands for it.
    expect(r.host?.client).toBeUndefined();
  });
});

describe('backup set types', () => {
  it('are one list (set-types.ts); every type-dependent field sits between type and tags', () => {
    expect(SET_TYPES).toEqual(['docker-volume', 'path', 'postgres', 'mysql', 'mariadb']);
    expect(Object.keys(setShape())).toEqual(['id', 'type', ...SET_TYPE_KEYS, 'tags', 'hour', 'minute']);
  });

  it('refuses names of Object.prototype as a type', () => {
    const r = validateHost(host({ ...client, restic_backup_sets: [{ id: 'a', type: '__proto__', volume: 'vol1' }] }));
    expect(r.diagnostics.map((d) => `${d.key}: ${d.message}`)).toEqual([
      'restic_backup_sets[0].type: is not a supported backup set type (supported: docker-volume, path, postgres, mysql, mariadb)',
    ]);
  });
});

describe('the loader hands positions over as data', () => {
  it('returns key positions and the paths it could not resolve with each host', async () => {
    const root = await writeInventory({
      'hosts.yml': 'all:\n  hosts:\n    h1.example.com:\n',
      'host_vars/h1.example.com.yml': 'restic_repo: "server:8000/x"\nrestic_repo_password: "{{ NOT_SET }}"\nrestic_backup_rotation:\n  daily: 3\n',
    });
    const { inventory } = await loadInventoryCollecting({ repoRoot: root, inventoryDir: 'inv', env: {}, envAllowlist: ['NOT_SET'] });
    const h = inventory.hosts[0]!;
    expect(h.unresolved).toEqual([['restic_repo_password']]);
    expect(h.keyPosOf(['restic_backup_rotation', 'daily'])).toEqual({ file: 'inv/host_vars/h1.example.com.yml', line: 4, col: 3 });
    expect(h.posOf(['restic_backup_rotation', 'daily'])).toEqual({ file: 'inv/host_vars/h1.example.com.yml', line: 4, col: 10 });
  });
});
