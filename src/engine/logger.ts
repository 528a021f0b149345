/** What the engine needs to say things; the action and the CLI each provide one. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A collapsible group (a GitHub log group in the action); output is printed together. */
  group(title: string, lines: string[]): void;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(`warning: ${m}`),
  error: (m) => console.error(`error: ${m}`),
  group: (title, lines) => {
    console.log(`── ${title}`);
    for (const l of lines) console.log(`   ${l}`);
  },
};
