/** The command line's terminal output: a stop with a message, and a progress bar on stderr. */
import { Presets, SingleBar } from 'cli-progress';

/** Stops the command with `message` on stderr (exit code 2: the command could not run as given). */
export function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

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
