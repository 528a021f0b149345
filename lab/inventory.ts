import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_NAME } from './config.js';
import type { LabStateFile } from './state.js';

const q = (s: string): string => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

/**
 * The lab's inventory in the seed's layout and variable names (inventories/<name>/hosts.yml,
 * group_vars/{all.yml,client/vars.yml,server/vars.yml}, host_vars/<host>.yml). Secrets are not
 * written: `vault_*` values come from the environment (secrets.env).
 */
export function inventoryFiles(state: LabStateFile): Record<string, string> {
  const clients = state.hosts.filter((h) => h.name !== SERVER_NAME);
  const server = state.hosts.find((h) => h.name === SERVER_NAME);
  if (!server) throw new Error('the lab state has no server host');
  const files: Record<string, string> = {};
  files['hosts.yml'] = [
    '# Written by `npm run lab -- up`: the lab\'s hosts (sshd of each published on 127.0.0.1, see host_vars).',
    'all:',
    '  children:',
    '    server:',
    '      hosts:',
    `        ${server.name}:`,
    '    client:',
    '      hosts:',
    ...clients.map((c) => `        ${c.name}:`),
    '',
  ].join('\n');
  files['group_vars/all.yml'] = [
    'docker_network_name: restic-fleet',
    'docker_log_driver: "json-file"',
    'docker_log_max_size: "10m"',
    'docker_log_max_file: "3"',
    '',
  ].join('\n');
  files['group_vars/client/vars.yml'] = [
    'restic_client_package: restic',
    'restic_client_user: admin',
    'restic_client_password: "{{ vault_restic_client_password }}"',
    `restic_repo: ${SERVER_NAME}:8080/backup`,
    'restic_repo_password: "{{ vault_restic_repo_password }}"',
    '',
  ].join('\n');
  files['group_vars/server/vars.yml'] = [
    'restic_server_image: restic-fleet/rest-server:lab',
    'restic_server_user: admin',
    'restic_server_password: "{{ vault_restic_server_password }}"',
    'restic_server_port: 8080',
    '',
  ].join('\n');
  const connection = (port: number): string[] => ['ansible_host: 127.0.0.1', `ansible_port: ${port}`, 'ansible_user: root'];
  files[`host_vars/${server.name}.yml`] = [
    ...connection(server.sshPort),
    'restic_server_hostname: restic01',
    'restic_server_backup_dir: /srv/restic',
    '',
  ].join('\n');
  const set = (id: string, volume: string, tag: string): string[] => [
    ` - id: ${q(id)}`,
    '   type: docker-volume',
    `   volume: ${volume}`,
    '   tags:',
    `    - ${tag}`,
    '    - lab',
    '   hour: "1"',
    '   minute: "0"',
  ];
  for (const c of clients) {
    // Light clients have no docker: a `path` set of their seed files (/srv/data/app).
    const sets = c.light
      ? ['restic_backup_sets:', ' - id: "app files"', '   type: path', '   paths: [/srv/data/app]', '   tags: [app, lab]', '   hour: "1"', '   minute: "0"']
      : ['restic_backup_sets:', ...set('app volume', 'app_data', 'app'), ...set('media volume', 'media_data', 'media')];
    files[`host_vars/${c.name}.yml`] = [
      ...connection(c.sshPort),
      ...sets,
      'restic_backup_rotation:',
      '  daily: 7',
      '  weekly: 4',
      '  monthly: 1',
      '',
    ].join('\n');
  }
  return files;
}

export function writeInventory(dir: string, state: LabStateFile): void {
  for (const [rel, text] of Object.entries(inventoryFiles(state))) {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
}
