/**
 * POSIX single-quote quoting, safe for any string without NUL: the one quoting rule.
 * `remote/shell.ts` wraps it into the ShellText the transport runs; `desired/cron.ts`
 * uses it for the runner arguments in the cron file it renders (below remote/ in the
 * layer order, so it cannot import shell.ts).
 */
export function posixQuote(value: string | number): string {
  const s = String(value);
  if (s.includes('\0')) throw new Error('a NUL byte cannot be passed to the shell');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
