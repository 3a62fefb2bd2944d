/** A configuration problem: start-up prints `message` as one line and exits 1, no stack trace. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
