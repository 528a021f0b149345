import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../../src/util/env-file.js';

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines, export, quotes and comments as dotenv does', () => {
    const text = ['# a comment', '', 'A=1', 'export B="x y" # c', "C='single # kept'", 'D=plain value  ', 'E="line\\nbreak"', 'F=', 'not a pair'].join('\n');
    expect(parseEnvFile(text)).toEqual({ A: '1', B: 'x y', C: 'single # kept', D: 'plain value', E: 'line\nbreak', F: '' });
  });

  it('a trailing comment after a quoted value is not part of it (it used to be)', () => {
    expect(parseEnvFile('B="x y" # c\n')).toEqual({ B: 'x y' });
  });

  it('CRLF line ends do not leak into values', () => {
    expect(parseEnvFile('PW=secret-1\r\nOTHER=2\r\n')).toEqual({ PW: 'secret-1', OTHER: '2' });
  });
});
