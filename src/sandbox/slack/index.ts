export type { EphemeralPredicate, MessageKind, MessagePredicate, WaitOptions } from './activity-log.js';
export { BLOCK_KIT_LIMITS, blockKitErrors } from './block-limits.js';
export { HOME_VIEW_LIMITS, type HomeTabsOptions, type PublishedHome } from './home-tabs.js';
export { SlackSimulator, type SlackSimulatorOptions } from './simulator.js';
export type {
  AckRecord,
  AckStats,
  ApiFault,
  Block,
  DisconnectReason,
  Envelope,
  EnvelopeType,
  EphemeralMessage,
  MessageRef,
  SimChannel,
  SimUser,
  SlackMessage,
  SlackSimulatorEvents,
  WorkspaceSeed,
} from './types.js';
export { defaultSeed } from './workspace.js';
