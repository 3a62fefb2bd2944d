/**
 * The SLA timer is re-armed from reads of the earliest deadline that can overlap (a poll, the end
 * of a pass). A read that began first but answers last may predate a fire; arming from it brought
 * back a deadline already fired, which the timer took for a stall and backed off from for a second.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import winston from 'winston';
import type { TicketingPort } from '../../src/core/ports.js';
import { DEFAULT_SLA_POLICY } from '../../src/core/sla/policy.js';
import { SlaMonitor } from '../../src/sla/monitor.js';
import type { SlaNotifier } from '../../src/sla/notifier.js';
import type { SlaRepository } from '../../src/sla/repository.js';
import type { Db } from '../../src/store/db.js';
import type { LeaseKeeper } from '../../src/store/leases.js';

describe('SLA monitor re-arming', () => {
  it('a read of the earliest deadline that answers after a later one does not arm the timer', async () => {
    let held = false;
    const lease = { isHeld: () => held, onChange: () => {} } as unknown as LeaseKeeper;
    const answers: Array<(due: number | null) => void> = [];
    let dueReads = 0;
    const repo = {
      alerts: {
        earliestDue: () => new Promise<number | null>((resolve) => answers.push(resolve)),
        dueAlerts: async () => {
          dueReads++;
          return [];
        },
        leftDue: async () => [],
      },
      notifications: { alertsWithStatus: async () => [] },
    } as unknown as SlaRepository;
    const monitor = new SlaMonitor({
      db: {} as Db,
      repo,
      ticketing: {} as TicketingPort,
      notifier: { onCall: null } as unknown as SlaNotifier,
      policy: DEFAULT_SLA_POLICY,
      lease,
      clock: { now: () => new Date() },
      logger: winston.createLogger({ silent: true }),
      pollIntervalMs: 60_000,
    });
    monitor.start();
    held = true;
    const stale = monitor.rearm();
    const fresh = monitor.rearm();
    // The later read answers first: the next deadline is a minute away.
    answers[1]!(Date.now() + 60_000);
    await fresh;
    // The earlier read answers with the deadline that has just been fired since.
    answers[0]!(Date.now() - 10);
    await stale;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(dueReads, 0, 'the timer was armed from the stale read and fired');
    await monitor.stop();
  });
});
