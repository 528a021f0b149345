import { afterEach, describe, expect, it } from 'vitest';
import { codeBlock, htmlText, inlineCode, logText, mdText, oneLine } from '../../../src/report/escape.js';
import { Secret, clearSecretRegistryForTests } from '../../../src/secret.js';

afterEach(() => clearSecretRegistryForTests());

describe('escaping', () => {
  it('mdText: one line, no HTML, no links, no pings', () => {
    const out = mdText('<a href="x">hi</a> [l](http://e.x) @bob #3\n\n# heading');
    expect(out).not.toMatch(/<a|\n|@b|#3|http:\/\//);
    expect(out).toContain('&lt;a href="x"&gt;hi&lt;/a&gt;');
    expect(out).toContain('\\[l\\]');
  });

  it('htmlText: escapes, keeps lines apart without blank lines', () => {
    expect(htmlText('a<b>&c\n\nd', true)).toBe('a&lt;b&gt;&amp;c<br><br>d');
    expect(htmlText('x\ny')).toBe('x y');
  });

  it('codeBlock picks a fence longer than any backtick run', () => {
    expect(codeBlock('plain')).toBe('```\nplain\n```');
    expect(codeBlock('a ```` b', 'diff')).toBe('`````diff\na ```` b\n`````');
  });

  it('inlineCode survives backticks', () => {
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('`x`')).toBe('`` `x` ``');
    expect(inlineCode('')).toBe('*(empty)*');
  });

  it('redacts before escaping changes a secret’s spelling', () => {
    new Secret('p<a>ss@word&1', 'test');
    for (const out of [mdText('pw p<a>ss@word&1'), htmlText('pw p<a>ss@word&1'), inlineCode('p<a>ss@word&1'), codeBlock('p<a>ss@word&1'), logText('p<a>ss@word&1')]) {
      expect(out).not.toMatch(/ss@|word&|&amp;1/);
      expect(out).toMatch(/\\?\*\\?\*\\?\*/);
    }
  });

  it('oneLine redacts before cutting', () => {
    new Secret('abcdefghijklmnopqrstuvwxyz', 'test');
    expect(oneLine('xxxxxxxx abcdefghijklmnopqrstuvwxyz', 15)).toBe('xxxxxxxx ***');
    expect(oneLine('xxxxxxxxxx abcdefghijklmnopqrstuvwxyz', 15)).not.toContain('abc');
  });

  it('logText breaks workflow commands at line starts only; a lone CR is shown, not a line break', () => {
    expect(logText('ok ::not-a-command::')).toBe('ok ::not-a-command::');
    expect(logText('x\n::error::y\r::warning::z')).toBe('x\n:\u200b:error::y\\r::warning::z');
  });
});
