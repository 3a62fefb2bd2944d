/**
 * The SLA monitor's rows, in two halves: the alerts it tracks (facts, tier, deadline) and what it
 * sends about them (notifications, the notice, Twilio callbacks). One object so each component
 * takes a single `repo` and uses the half it needs.
 */
import type { Db } from '../store/db.js';
import { NotificationRepository } from './notification-repository.js';
import { TrackedAlertRepository } from './tracked-alert-repository.js';

export class SlaRepository {
  readonly alerts: TrackedAlertRepository;
  readonly notifications: NotificationRepository;

  constructor(db: Db) {
    this.alerts = new TrackedAlertRepository(db);
    this.notifications = new NotificationRepository(db);
  }
}
