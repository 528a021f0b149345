/** The CLI door: same engine as the action. */
export async function runCli(argv: string[]): Promise<number> {
  console.error(`not implemented: ${argv.join(' ')}`);
  return 2;
}
