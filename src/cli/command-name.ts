/**
 * Which command a command line names, without loading any command: `bin/kamf.js` reads it to pick the entry point,
 * so this module imports nothing.
 */

/** The command named on the command line: the first word that is not an option or a global option's value. */
export function commandNameOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '--config') i++;
    else if (arg === 'help') return args.slice(i + 1).find((a) => !a.startsWith('-')) ?? arg;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * Commands that load the reference agents by path (`agents/mesh.js`), which import the library from dist/src: they
 * run from dist/src too, so the process holds one copy of the library. Every other command runs from the bundle.
 */
export const runsUnbundled = (name: string | undefined): boolean => name === 'start';
