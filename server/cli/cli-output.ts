/** The command line's terminal output: a stop with a message, and a progress bar on stderr. */
import { Presets, SingleBar } from 'cli-progress';

/** A stop of the command: `message` for stderr, and the exit code (2: the command could not run as given). */
export class CliStop extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * Stops the command with `message` on stderr and exit code `code`: thrown, so that the database opened is closed
 * on the way out and a test calling the command's `main` in its own process gets the code back.
 */
export function fail(message: string, code = 2): never {
  throw new CliStop(message, code);
}

/** Where a command writes and what environment it reads: the process's, or a test's. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

/** A progress bar on stderr, or nothing when disabled. */
export function progressBar(label: string, total: number, enabled: boolean) {
  if (!enabled) return { update: (_n: number) => {}, stop: () => {} };
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (n: number) => bar.update(n), stop: () => bar.stop() };
}
