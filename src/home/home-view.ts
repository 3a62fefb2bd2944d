/**
 * The Home tab of one person, as the view `views.publish` takes. Pure: values in, view out.
 * Responders get the team's sections first; everyone gets their own alerts, mutes and the about text.
 */
import { type Block, fitBlocks, MAX_VIEW_BLOCKS } from './block-budget.js';
import { aboutSection, alertsSection, noticeBlocks, rulesSection } from './employee-sections.js';
import { header } from './home-blocks.js';
import { digestSection, escalationsSection, onCallSection, trackedSection } from './responder-sections.js';
import type { EmployeeHome, ResponderExtras } from './view-model.js';

export interface HomeView {
  type: 'home';
  blocks: Block[];
  /** Slack hands it back on clicks from this view; it marks the view as ours and holds nothing secret */
  private_metadata: string;
}

export function buildHome(
  home: EmployeeHome,
  responder: ResponderExtras | null,
  now: number,
  max = MAX_VIEW_BLOCKS,
): HomeView {
  const top = {
    head: [header(responder ? 'SecOps: responder view' : 'SecOps'), ...noticeBlocks(home.notice)],
    items: [],
    more: () => header(''),
  };
  const team = responder
    ? [
        onCallSection(responder),
        trackedSection(responder, now),
        escalationsSection(responder),
        digestSection(responder),
      ]
    : [];
  const own = [alertsSection(home), rulesSection(home), aboutSection()];
  if (team.length > 0) own[0] = { ...own[0]!, head: [{ type: 'divider' }, ...own[0]!.head] };
  return { type: 'home', blocks: fitBlocks([top, ...team, ...own], max), private_metadata: 'secops-home' };
}
