// The Jinja subset: parsing, evaluation against a host's variables, env lookups,
// type-keeping whole-string templates, Secrets, cycles and errors with positions.
import { describe, expect, it } from 'vitest';
import { loadInventoryCollecting } from '../../../src/inventory/loader.js';
import { parseTemplate } from '../../../src/inventory/template.js';
import { isSecret } from '../../../src/secret.js';
import { where, writeInventory } from './helpers.js';

async function load(vars: string, env: Record<string, string> = {}) {
  const root = await writeInventory({ 'hosts.yml': 'all:\n  children:\n    web:\n      hosts:\n        h.example.com:\n', 'group_vars/all.yml': vars });
  const { inventory, diagnostics } = await loadInventoryCollecting({ repoRoot: root, inventoryDir: 'inv', env, envAllowlist: Object.keys(env) });
  return { vars: inventory.hosts[0]!.vars, diagnostics, host: inventory.hosts[0]! };
}

describe('parseTemplate', () => {
  it('parses the subset', () => {
    const t = parseTemplate("rest:http://{{ a.b[0]['c'] | default(x, true) }}:{{ l | join(', ') }}");
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    expect(t.template.whole).toBe(false);
    expect(t.template.parts).toHaveLength(4);
    expect(t.template.parts[1]).toMatchObject({
      expr: { kind: 'var', name: 'a', segs: ['b', 0, 'c'] },
      filters: [{ name: 'default', args: [{ kind: 'var', name: 'x', segs: [] }, { kind: 'lit', value: true }] }],
    });
    expect(parseTemplate('{{ x }}')).toMatchObject({ ok: true, template: { whole: true } });
    expect(parseTemplate(' {{ x }}')).toMatchObject({ ok: true, template: { whole: false } });
    expect(parseTemplate("{{ x | d([]) }}")).toMatchObject({ ok: true });
    expect(parseTemplate("{{ x | default('}}') }}")).toMatchObject({ ok: true }); // braces inside quotes
    expect(parseTemplate('plain { text }')).toMatchObject({ ok: true, template: { parts: ['plain { text }'] } });
  });

  it.each([
    ['{% if x %}a{% endif %}', 'unsupported template syntax `{% if x %}`: statements ({% … %}) are not supported'],
    ['{# note #}', 'comments ({# … #}) are not supported'],
    ['{{ x | upper }}', 'unsupported template syntax `{{ x | upper }}`: filter "upper" is not supported'],
    ["{{ lookup('env', 'HOME') }}", 'function calls (lookup(…)) are not supported'],
    ['{{ x.split(",") }}', 'method calls are not supported'],
    ['{{ a + b }}', '"+" (operators, arithmetic'],
    ['{{ a ~ b }}', '"~" (operators'],
    ['{{ a == b }}', '"=" (operators'],
    ['{{ a if b }}', '"if" expressions (conditions, tests, logic) are not supported'],
    ['{{ a is defined }}', '"is" expressions'],
    ['{{ not a }}', '"not" expressions'],
    ['{{ a b }}', 'unexpected text after the expression'],
    ['{{- a }}', 'whitespace control'],
    ['{{ a -}}', 'whitespace control'],
    ['{{ a[b] }}', "only literal indexes ([0], ['key']) are supported"],
    ['{{ a', 'unclosed `{{`'],
    ['{{ }}', 'empty expression'],
    ['{{ x | default(1, 2) }}', 'the second argument of default must be true or false'],
    ["{{ x | join(',', 1) }}", 'join takes at most one argument'],
  ])('rejects %s', (src, message) => {
    const r = parseTemplate(src);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });

  it('hides the expression of secret content', () => {
    const r = parseTemplate('{{ hunter2 | upper }}', false);
    expect(r.ok ? '' : r.message).not.toContain('hunter2');
  });
});

describe('template evaluation', () => {
  it('resolves variables, paths, defaults and joins recursively, keeping types of whole-string templates', async () => {
    const { vars, diagnostics } = await load(`
base: server.example.com
port: 8080
restic_repo: "{{ base }}:{{ port }}/{{ inventory_hostname_short }}"
restic_sets: "{{ sets }}"
sets:
  - id: a
    tags: [x, "y"]
restic_first_tag: "{{ sets[0].tags.1 }}"
restic_tags: "{{ sets.0.tags | join(',') }}"
restic_joined_default: "{{ sets.0.tags | join }}"
restic_default_lit: "{{ nope | default('fallback') }}"
restic_default_var: "{{ nope.deeper | default(base) }}"
restic_default_list: "{{ nope | default([]) }}"
restic_default_falsy: "{{ empty | default('was empty', true) }}"
restic_not_falsy: "{{ empty | default('was empty') }}"
empty: ""
restic_bool_text: "on={{ flag }} none={{ nothing }}"
flag: yes
nothing: ~
restic_number: "{{ port }}"
restic_unsafe: !unsafe "{{ not_a_template }}"
restic_groups: "{{ groups.web }}"
`);
    expect(diagnostics).toEqual([]);
    expect(vars.restic_repo).toBe('server.example.com:8080/h');
    expect(vars.restic_sets).toEqual([{ id: 'a', tags: ['x', 'y'] }]);
    expect(vars.restic_first_tag).toBe('y');
    expect(vars.restic_tags).toBe('x,y');
    expect(vars.restic_joined_default).toBe('xy');
    expect(vars.restic_default_lit).toBe('fallback');
    expect(vars.restic_default_var).toBe('server.example.com');
    expect(vars.restic_default_list).toEqual([]);
    expect(vars.restic_default_falsy).toBe('was empty');
    expect(vars.restic_not_falsy).toBe('');
    expect(vars.restic_bool_text).toBe('on=True none=None'); // as Ansible renders them
    expect(vars.restic_number).toBe(8080);
    expect(vars.restic_unsafe).toBe('{{ not_a_template }}');
    expect(vars.restic_groups).toEqual(['h.example.com']);
  });

  it('points positions of a whole-string template into the referenced value', async () => {
    const { host } = await load('restic_backup_sets: "{{ sets }}"\nsets:\n  - id: a\n    minute: "99"\n');
    expect(host.posOf(['restic_backup_sets', 0, 'minute'])).toEqual({ file: 'inv/group_vars/all.yml', line: 4, col: 13 });
  });

  it('resolves undefined variables from env: exact name first, then upper-cased, as Secrets', async () => {
    const { vars, diagnostics } = await load(
      'restic_a: "{{ my_token }}"\nrestic_b: "{{ other_token }}"\nrestic_c: "user:{{ my_token }}@host"\nrestic_d: "{{ DEFINED }}"\nDEFINED: inventory-wins\n',
      { my_token: 'exact-value', MY_TOKEN: 'upper-value', OTHER_TOKEN: 'other-value', DEFINED: 'env-loses' },
    );
    expect(diagnostics).toEqual([]);
    const a = vars.restic_a;
    expect(isSecret(a) && a.reveal()).toBe('exact-value');
    expect(isSecret(a) && a.origin).toBe('env my_token');
    const b = vars.restic_b;
    expect(isSecret(b) && b.origin).toBe('env OTHER_TOKEN');
    const c = vars.restic_c;
    expect(isSecret(c) && c.reveal()).toBe('user:exact-value@host');
    expect(String(c)).toBe('***');
    expect(vars.restic_d).toBe('inventory-wins');
  });

  it('reports every undefined reference with its position and never a value', async () => {
    const { diagnostics } = await load('restic_a: "{{ missing_one }}"\nrestic_b:\n  - "x-{{ missing_two }}"\n  - "{{ missing_one.sub }}"\nrestic_c: "{{ missing_three | join(\',\') }}"\n');
    expect(diagnostics.map(where)).toEqual([
      'inv/group_vars/all.yml:1:11 error restic_a',
      'inv/group_vars/all.yml:3:5 error restic_b[0]',
      'inv/group_vars/all.yml:4:5 error restic_b[1]',
      'inv/group_vars/all.yml:5:11 error restic_c',
    ]);
    expect(diagnostics[1]!.message).toBe(
      'undefined variable "missing_two": not defined in the inventory, and env `missing_two` and `MISSING_TWO` cannot be read: templates read only environment variables named VAULT_* or RESTIC_FLEET_*, or listed in env-allowlist (never ACTIONS_*, GITHUB_*, RUNNER_*, INPUT_*)',
    );
  });

  it('detects cycles and names the chain', async () => {
    const { diagnostics, vars } = await load('restic_a: "{{ b }}"\nb: "x{{ c }}"\nc: "{{ restic_a }}"\nrestic_self: "{{ restic_self }}"\n');
    expect(diagnostics.map((d) => `${where(d)} ${d.message}`)).toEqual([
      'inv/group_vars/all.yml:3:4 error c template cycle: restic_a → b → c → restic_a',
      'inv/group_vars/all.yml:4:14 error restic_self template cycle: restic_self → restic_self',
    ]);
    expect(vars.restic_a).toBeNull();
  });

  it('rejects a list embedded in text, indexing a string, and join on a non-list', async () => {
    const { diagnostics } = await load('l: [1, 2]\ns: text\nrestic_a: "x {{ l }}"\nrestic_b: "{{ s.x }}"\nrestic_c: "{{ s | join }}"\nrestic_d: "{{ l[5] }}"\n');
    expect(diagnostics.map((d) => `${where(d)} ${d.message}`)).toEqual([
      'inv/group_vars/all.yml:3:11 error restic_a `{{ l }}` is a list and cannot be embedded in text (use | join(sep) for lists)',
      'inv/group_vars/all.yml:4:11 error restic_b `{{ s.x }}`: "s" is a string, it has no "x"',
      'inv/group_vars/all.yml:5:11 error restic_c `{{ s | join }}`: join needs a list',
      'inv/group_vars/all.yml:6:11 error restic_d "l[5]" is not defined ("l" has no item 5)',
    ]);
  });

  it('leaves variables restic-fleet does not read alone, whatever Jinja they hold', async () => {
    const { vars, diagnostics } = await load("app_thing: \"{{ lookup('pipe', 'date') | to_json }}\"\nrestic_fleet_command_timeout: 60\n");
    expect(diagnostics).toEqual([]);
    expect(vars).toEqual({ restic_fleet_command_timeout: 60 });
  });
});
