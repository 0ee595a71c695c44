// Running the `npm run` CLIs (server/cli/run-bundled.mjs launches them) from tests: in a child process, as a
// user does, or their `main(argv)` in the test's own process. A child costs a Node start, an esbuild bundle
// and every module loaded again (seconds of CPU each), so a test spawns a CLI once, where the launcher's exit
// code and output are what it proves, and calls main in-process for the rest.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { format } from 'node:util';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const root = new URL('../..', import.meta.url).pathname;

/** Runs a launcher (`script`, a path from the project root) in a child with only PATH and `env`. */
export function spawnCli(script: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, script), ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** What the CLIs read of their environment: a child given only `env` sees none of the others. */
const CLI_ENV = ['DATABASE_URL', 'REFLOW_DATA_DIR'] as const;

/**
 * Calls a CLI's `main(args)` here, as its launcher would in a child given only `env`: the variables the CLIs
 * read are set as in `env` (the others unset) for the call, and what it prints to the console is captured.
 * Calls must not overlap (the environment and console are the process's): tap runs a file's subtests in turn.
 */
export async function runMain(
  main: (argv: string[]) => Promise<number>,
  args: string[],
  env: Record<string, string>,
): Promise<CliResult> {
  const saved = CLI_ENV.map((name) => [name, process.env[name]] as const);
  for (const name of CLI_ENV) {
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { log, info, warn, error } = console;
  console.log = console.info = (...parts: unknown[]) => void stdout.push(`${format(...parts)}\n`);
  console.warn = console.error = (...parts: unknown[]) => void stderr.push(`${format(...parts)}\n`);
  try {
    const code = await main(args);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    Object.assign(console, { log, info, warn, error });
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
