// Set types (issue 13): each type's fields, errors at file:line:col with their key, the ping
// URL as a secret, restic_textfile_path.
import { describe, expect, it } from 'vitest';
import { InventoryError, loadConfig } from '../../../src/inventory/index.js';
import { placeholderSecret } from '../../../src/inventory/resolve.js';
import { checkSetTypeFields } from '../../../src/inventory/set-types.js';
import { isSecret } from '../../../src/secret.js';
import { clientInventory, where, writeInventory } from './helpers.js';

const ENV = { PW: 'repo-pw-for-tests', PING: 'http://127.0.0.1:8000/ping/0b1c-uuid' };
const CLIENT = 'restic_repo: server.example.com:8000/x\nrestic_repo_password: "{{ PW }}"\n';
const { config, problems } = clientInventory(ENV);

describe('set types', () => {
  it('reads every type with its own fields', async () => {
    const { hosts } = await config(`restic_textfile_path: /var/lib/node_exporter/restic.prom
restic_backup_sets:
  - {id: app, type: docker-volume, volume: appdata, stop: yes}
  - {id: web, type: docker-volume, volume: webdata, stop_containers: [nginx, php]}
  - id: files
    type: path
    paths: [/etc, /srv/app/]
    exclude: ["*.tmp", "cache dir"]
  - id: pg
    type: postgres
    container: db
    database: app
    pre: echo before
    post: |
      echo after
    hook_timeout: 60
    ping_url: "{{ PING }}"
  - {id: all-maria, type: mariadb, container: maria}
`);
    const c = hosts[0]!.client!;
    expect(c.textfilePath).toBe('/var/lib/node_exporter/restic.prom');
    const [app, web, files, pg, maria] = c.sets;
    expect(app).toMatchObject({ type: 'docker-volume', volume: 'appdata', stop: true });
    expect(web).toMatchObject({ type: 'docker-volume', volume: 'webdata', stopContainers: ['nginx', 'php'] });
    expect(files).toMatchObject({ type: 'path', paths: ['/etc', '/srv/app'], exclude: ['*.tmp', 'cache dir'] });
    expect(files!.volume).toBeUndefined();
    expect(pg).toMatchObject({ type: 'postgres', container: 'db', database: 'app', pre: 'echo before', post: 'echo after\n', hookTimeout: 60 });
    expect(isSecret(pg!.pingUrl)).toBe(true);
    expect(pg!.pingUrl!.reveal()).toBe(ENV.PING);
    expect(maria).toMatchObject({ type: 'mariadb', container: 'maria' });
    expect(maria!.database).toBeUndefined();
  });

  it('reports every mistake at its own key, beside the other errors of the host', async () => {
    const ds = await problems(`restic_textfile_path: /var/lib/metrics.txt
restic_backup_sets:
  - {id: a, type: docker-volume}
  - {id: b, type: docker-volume, volume: v1, stop: true, stop_containers: [x1]}
  - {id: c, type: path, paths: [etc], exclude: ["100%"]}
  - {id: d, type: postgres, volume: v2}
  - {id: e, type: mysql, container: "my sql", database: "a;b", hook_timeout: 0}
  - {id: f, type: path, paths: [/etc], pre: ""}
`);
    expect(ds).toEqual([
      "inv/group_vars/all.yml:3:23 error restic_textfile_path: must end in .prom (node_exporter's textfile collector reads *.prom files)",
      'inv/group_vars/all.yml:5:5 error restic_backup_sets[0]: a docker-volume set needs volume (the Docker volume to back up)',
      'inv/group_vars/all.yml:6:75 error restic_backup_sets[1].stop_containers: give either stop: true (every running container using the volume) or stop_containers, not both',
      'inv/group_vars/all.yml:7:33 error restic_backup_sets[2].paths[0]: must be an absolute path (starting with "/")',
      'inv/group_vars/all.yml:7:49 error restic_backup_sets[2].exclude[0]: must not contain "%" or control characters (it goes into the cron line)',
      'inv/group_vars/all.yml:8:5 error restic_backup_sets[3]: a postgres set needs container (the container that runs the database: the dump runs there through docker exec)',
      'inv/group_vars/all.yml:8:37 error restic_backup_sets[3].volume: is a field of docker-volume sets, not of type postgres',
      'inv/group_vars/all.yml:9:37 error restic_backup_sets[4].container: is not a valid container name (contains a space): letters, digits, "_", "." and "-", starting with a letter or digit, at least 2 characters',
      'inv/group_vars/all.yml:9:57 error restic_backup_sets[4].database: is not a database name this tool dumps: letters, digits, _ and -, at most 63 characters',
      'inv/group_vars/all.yml:9:78 error restic_backup_sets[4].hook_timeout: must be a timeout in seconds: an integer from 1 to 86400',
      'inv/group_vars/all.yml:10:45 error restic_backup_sets[5].pre: must not be empty',
    ]);
  });

  it('dump_timeout: a database set\'s own field, in seconds, passed to the runner', async () => {
    const { hosts } = await config('restic_backup_sets:\n  - {id: pg, type: postgres, container: db, dump_timeout: 3600}\n  - {id: my, type: mysql, container: db}\n');
    const [pg, my] = hosts[0]!.client!.sets;
    expect(pg!.dumpTimeout).toBe(3600);
    expect(my!.dumpTimeout).toBeUndefined(); // the runner's default, DEFAULT_DUMP_TIMEOUT
    const ds = await problems('restic_backup_sets:\n  - {id: a, type: postgres, container: db, dump_timeout: 5}\n  - {id: b, type: path, paths: [/etc], dump_timeout: 60}\n');
    expect(ds).toEqual([
      'inv/group_vars/all.yml:4:58 error restic_backup_sets[0].dump_timeout: must be a timeout in seconds: an integer from 10 to 604800',
      'inv/group_vars/all.yml:5:54 error restic_backup_sets[1].dump_timeout: is a field of postgres/mysql/mariadb sets, not of type path',
    ]);
  });

  it('an unknown set key still gets its did-you-mean', async () => {
    const ds = await problems('restic_backup_sets:\n  - {id: a, type: docker-volume, volume: vv, stop_container: [x]}\n');
    expect(ds).toEqual(['inv/group_vars/all.yml:4:46 error restic_backup_sets[0].stop_container: unknown key "stop_container" (did you mean "stop_containers"?)']);
  });

  it('an offline plan (placeholder secrets) accepts a ping URL it cannot see', () => {
    const errors: string[] = [];
    const f = checkSetTypeFields('path', { paths: ['/etc'], ping_url: placeholderSecret('vault_ping') }, ['restic_backup_sets', 0], (_s, p, m) => errors.push(`${p.join('.')}: ${m}`));
    expect(errors).toEqual([]);
    expect(isSecret(f.pingUrl)).toBe(true);
  });

  it('a ping URL is a secret: plain text warns and becomes a Secret; a bad URL is refused without repeating it', async () => {
    const root = await writeInventory({
      'hosts.yml': 'all:\n  hosts:\n    h1.example.com:\n',
      'group_vars/all.yml': `${CLIENT}restic_backup_sets:\n  - {id: a, type: path, paths: [/etc], ping_url: "http://127.0.0.1:9/p/plain-uuid"}\n  - {id: b, type: path, paths: [/etc], ping_url: "ftp://x/bad-uuid"}\n`,
    });
    const e = (await loadConfig({ repoRoot: root, inventoryDir: 'inv', env: ENV, envAllowlist: ['PW'] }).catch((x: unknown) => x)) as InventoryError;
    const text = e.diagnostics.map((d) => `${where(d)}: ${d.message}`);
    expect(text).toContain('inv/group_vars/all.yml:4:50 warning restic_backup_sets[0].ping_url: ping URL (a secret) written in plain text in the inventory: encrypt it with ansible-vault or reference an environment variable ("{{ vault_... }}")');
    expect(text).toContain('inv/group_vars/all.yml:5:50 error restic_backup_sets[1].ping_url: must be an http:// or https:// URL without spaces, quotes or backslashes');
    expect(text.join('\n')).not.toContain('bad-uuid');
  });
});
