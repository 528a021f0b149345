import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger, outJson, outJsonText, stderrLogger } from '../../../src/cli-output.js';

afterEach(() => vi.restoreAllMocks());

/** What the CLI loggers print, per stream. */
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((t: string) => void out.push(t));
  vi.spyOn(console, 'error').mockImplementation((t: string) => void err.push(t));
  return { out, err };
}

describe('the CLI loggers', () => {
  it('consoleLogger: info and groups to stdout, warnings and errors to stderr, control characters made visible', () => {
    const { out, err } = capture();
    consoleLogger.info('plan ready\x1b[31m');
    consoleLogger.group('c1', ['first', 'second']);
    consoleLogger.warn('two\nlines');
    consoleLogger.error('boom');
    expect(out.join('\n')).not.toContain('\x1b');
    expect(out[0]).toMatch(/^plan ready.+31m$/);
    expect(out.slice(1)).toEqual(['── c1', '   first', '   second']);
    expect(err).toEqual(['warning: two\\nlines', 'error: boom']);
  });

  it('stderrLogger (--json): nothing reaches stdout', () => {
    const { out, err } = capture();
    stderrLogger.info('progress');
    stderrLogger.group('g', ['x']);
    expect(out).toEqual([]);
    expect(err).toEqual(['progress', '── g', '   x']);
  });

  it('JSON output stays valid JSON', () => {
    const { out } = capture();
    outJson({ a: 'x\u0007y' });
    outJsonText('{"b":1}');
    expect(JSON.parse(out[0]!)).toHaveProperty('a');
    expect(JSON.parse(out[1]!)).toEqual({ b: 1 });
  });
});
