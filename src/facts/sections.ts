/**
 * Remote scripts answer in sections: a line "@@rf <name>" followed by one value line
 * (base64 where the value could hold anything). Returns name → value line.
 */
export function parseSections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^@@rf (.+)$/.exec(lines[i]!);
    if (m) out.set(m[1]!, lines[i + 1] ?? '');
  }
  return out;
}

export const fromBase64 = (s: string | undefined): string => (s ? Buffer.from(s.trim(), 'base64').toString('utf8') : '');
