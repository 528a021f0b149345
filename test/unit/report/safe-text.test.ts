// The text-safety layer both doors print untrusted text through (src/safe-text.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { neutralizeCommands, safeBlock, safeJson, safeRecord, showControls } from '../../../src/safe-text.js';
import { Secret, clearSecretRegistryForTests } from '../../../src/secret.js';
import { runnerWouldRun } from '../../support/runner-commands.js';

afterEach(() => clearSecretRegistryForTests());

describe('safe text', () => {
  it('shows control characters as text: ESC, CR, NUL, DEL, C1, line separators, bidi overrides', () => {
    expect(showControls('a\x1b[31mred\r\0\x7f\x85\u2028\u202e!')).toBe('a\\x1b[31mred\\r\\x00\\x7f\\x85\\u{2028}\\u{202e}!');
    expect(showControls('tab\tstays')).toBe('tab\tstays');
    expect(showControls('a\nb')).toBe('a\\nb');
    expect(showControls('a\r\nb\nc', true)).toBe('a\nb\nc');
  });

  it('neutralises a command at a line start after any white space, and the legacy ##[ form anywhere', () => {
    for (const line of ['::error::x', '  ::error::x', '\t::stop-commands::t', '\u00a0::add-mask::x', '\u3000::error::x', 'x ##[error]y', '##[add-mask]z']) {
      expect(runnerWouldRun(line)).toBe(true);
      expect(runnerWouldRun(neutralizeCommands(line)), JSON.stringify(line)).toBe(false);
    }
    expect(neutralizeCommands('ok ::not-a-command::')).toBe('ok ::not-a-command::');
  });

  it('a record is one line: forged commands after a newline or CR stay inside it', () => {
    const forged = 'restic_x\n::error file=x::forged\r::stop-commands::x\n  ::add-mask::y';
    const out = safeRecord(forged);
    expect(out.split('\n')).toHaveLength(1);
    expect(out).toBe('restic_x\\n::error file=x::forged\\r::stop-commands::x\\n  ::add-mask::y');
    expect(safeRecord('::error::at start')).toBe(':\u200b:error::at start');
  });

  it('a block keeps its lines, and none of them is a command', () => {
    const out = safeBlock('host a\n::error file=x::forged\n \u00a0::stop-commands::t\r::warning::cr\n##[group]x');
    expect(out.split('\n').filter(runnerWouldRun)).toEqual([]);
    expect(out.split('\n')).toHaveLength(4);
  });

  it('is idempotent (logging a line twice through the channel changes nothing more)', () => {
    const s = '::error::x\n\x1b[2J ##[add-mask]y\r';
    expect(safeBlock(safeBlock(s))).toBe(safeBlock(s));
    expect(safeRecord(safeRecord(s))).toBe(safeRecord(s));
  });

  it('redacts before escaping: a secret with a control character inside is still found', () => {
    new Secret('pa\x1bss-word-9', 'test');
    expect(safeRecord('pw pa\x1bss-word-9')).toBe('pw ***');
    expect(safeBlock('pw pa\x1bss-word-9')).toBe('pw ***');
  });

  it('JSON stays valid JSON with the same value, and no line is a command', () => {
    const value = { id: 'a\u2028b\u202ec\x7f', note: '##[add-mask]x', bell: '\x07' };
    const text = safeJson(JSON.stringify(value, null, 2));
    expect(JSON.parse(text.replace(/\u200b/g, ''))).toEqual(value);
    expect(text).not.toMatch(/[\u2028\u202e\x7f\x07]/);
    expect(text.split('\n').filter(runnerWouldRun)).toEqual([]);
  });
});
