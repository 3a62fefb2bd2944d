import type { PhonePort, PhoneSendResult } from '../../core/ports.js';

/**
 * A PhonePort whose real adapter is loaded on first use or by `warm()`, not during start-up:
 * the twilio SDK costs about 100 ms of CPU to load, a tenth of the time to ready. Start-up warms
 * it once the bot is up, so a page finds it loaded; one sent earlier waits for the load.
 * The settings it is built from are checked by the config (loadConfig) before this exists.
 */
export class DeferredPhone implements PhonePort {
  private loading: Promise<PhonePort> | null = null;

  constructor(private readonly load: () => Promise<PhonePort>) {}

  /** Starts loading without waiting; after a failure (reported here) the next send tries again. */
  warm(onError: (err: unknown) => void): void {
    this.phone().catch(onError);
  }

  async sendSms(to: string, body: string): Promise<PhoneSendResult> {
    return (await this.phone()).sendSms(to, body);
  }

  async call(to: string, say: string): Promise<PhoneSendResult> {
    return (await this.phone()).call(to, say);
  }

  private phone(): Promise<PhonePort> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = null;
      throw err;
    });
    return this.loading;
  }
}
