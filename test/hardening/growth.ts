/**
 * Complexity, not speed: how much longer a call takes on 40,000 characters than on 10,000.
 * Linear work grows about 4×, quadratic work about 16×; the bound sits far from both so that
 * a busy machine does not make the test flaky. Each figure is the best of several timed windows.
 */
export const SHORT = 10_000;
export const LONG = 40_000;
/** Between linear (4) and quadratic (16), with room for noise on a shared machine. */
export const MAX_GROWTH = 9;

/** The shapes that have made a pattern backtrack somewhere, at any length. */
export const SHAPES: Record<string, (n: number) => string> = {
  'one letter': (n) => 'a'.repeat(n),
  spaces: (n) => `x${' '.repeat(n - 2)}x`,
  '!': (n) => `${'!'.repeat(n - 1)}x`,
  'a:': (n) => 'a:'.repeat(n / 2),
  'https://': (n) => 'https://'.repeat(n / 8),
  'nested brackets': (n) => `${'<[('.repeat(n / 6)}${')]>'.repeat(n / 6)}`,
};

/**
 * CPU time per call, in ms. CPU time rather than wall time: while other processes hold the CPU
 * the wall clock runs on, but this process's CPU time does not.
 */
function perCall(fn: () => unknown, minMs: number): number {
  let calls = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  do {
    fn();
    calls++;
  } while (performance.now() - started < minMs);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / calls;
}

/** time(LONG) / time(SHORT) for `fn` on inputs of one shape; synchronous work only. */
export function growth(fn: (input: string) => unknown, shape: (n: number) => string): number {
  const short = shape(SHORT);
  const long = shape(LONG);
  fn(short);
  fn(long);
  const best = (input: string) =>
    Math.min(
      perCall(() => fn(input), 15),
      perCall(() => fn(input), 15),
    );
  // A floor keeps a call too fast to time (a cut string) from turning noise into a ratio.
  const ratio = () => best(long) / Math.max(best(short), 0.02);
  // A GC or a descheduled window can double one figure; quadratic work stays ~16× on every try.
  let smallest = ratio();
  for (let tries = 1; tries < 3 && smallest >= MAX_GROWTH; tries++) smallest = Math.min(smallest, ratio());
  return smallest;
}
