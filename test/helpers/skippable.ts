/**
 * `describe` whose tests still count when the suite cannot run here. node:test reports a skipped describe as
 * one skipped suite and counts none of its tests, so `npm test` would say "skipped 0" while whole suites
 * (MariaDB, Chromium) did not run. Here each test of a skipped suite is registered as skipped, with the
 * reason, and its hooks never run (they would need what is missing).
 *
 * The body receives the test functions to use: destructure them (`({ it, before, after }) => …`) so the
 * suite reads as usual.
 */
import * as nodeTest from 'node:test';

export interface SuiteApi {
  describe: typeof nodeTest.describe;
  it: typeof nodeTest.it;
  test: typeof nodeTest.test;
  before: typeof nodeTest.before;
  after: typeof nodeTest.after;
  beforeEach: typeof nodeTest.beforeEach;
  afterEach: typeof nodeTest.afterEach;
}

export interface SkippableOptions {
  /** the reason this suite cannot run here, or false to run it */
  skip: string | false;
  timeout?: number;
  concurrency?: number | boolean;
}

const running: SuiteApi = {
  describe: nodeTest.describe,
  it: nodeTest.it,
  test: nodeTest.test,
  before: nodeTest.before,
  after: nodeTest.after,
  beforeEach: nodeTest.beforeEach,
  afterEach: nodeTest.afterEach,
};

/** The name and, when given, the body of a describe/it call, whichever overload was used. */
function bodyOf(args: unknown[]): (() => void) | undefined {
  return args.find((a): a is () => void => typeof a === 'function');
}

function skipping(reason: string): SuiteApi {
  const noHook = (() => {}) as unknown as typeof nodeTest.before;
  const skippedTest = ((name: string) =>
    nodeTest.it(name, { skip: reason }, () => {})) as unknown as typeof nodeTest.it;
  const nested = ((name: string, ...rest: unknown[]) =>
    nodeTest.describe(name, () => bodyOf(rest)?.())) as unknown as typeof nodeTest.describe;
  return {
    describe: nested,
    it: skippedTest,
    test: skippedTest,
    before: noHook,
    after: noHook,
    beforeEach: noHook as unknown as typeof nodeTest.beforeEach,
    afterEach: noHook as unknown as typeof nodeTest.afterEach,
  };
}

export function describeOrSkip(name: string, options: SkippableOptions, body: (api: SuiteApi) => void): void {
  const { skip, ...rest } = options;
  if (skip === false) {
    nodeTest.describe(name, rest, () => body(running));
    return;
  }
  nodeTest.describe(`${name} (skipped: ${skip})`, () => body(skipping(skip)));
}
