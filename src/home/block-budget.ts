/**
 * Slack refuses a view with more than 100 blocks. A Home is a run of sections, each a fixed head
 * and a list; this fits them in the budget in order, cutting lists (never a head) and saying
 * "and N more" for what was cut, with room kept for the heads of the sections that follow.
 */
export type Block = Record<string, unknown>;

export const MAX_VIEW_BLOCKS = 100;

export interface BudgetSection {
  head: Block[];
  /** each item is one or more blocks that stay together */
  items: Block[][];
  /** the line that stands for `hidden` items: those cut here plus `alsoHidden` */
  more: (hidden: number) => Block;
  /** items the caller already left out (e.g. older than the slice it read) */
  alsoHidden?: number;
  tail?: Block[];
}

const minimumOf = (s: BudgetSection) =>
  s.head.length + (s.tail?.length ?? 0) + (s.items.length > 0 || (s.alsoHidden ?? 0) > 0 ? 1 : 0);

export function fitBlocks(sections: BudgetSection[], max = MAX_VIEW_BLOCKS): Block[] {
  const out: Block[] = [];
  sections.forEach((section, index) => {
    const reservedLater = sections.slice(index + 1).reduce((sum, s) => sum + minimumOf(s), 0);
    const room = max - out.length - reservedLater - section.head.length - (section.tail?.length ?? 0);
    out.push(...section.head);
    let used = 0;
    let shown = 0;
    for (const item of section.items) {
      const left = section.items.length - shown - 1 + (section.alsoHidden ?? 0);
      // The last item needs no room for a "more" line after it.
      if (used + item.length + (left > 0 ? 1 : 0) > room) break;
      out.push(...item);
      used += item.length;
      shown++;
    }
    const hidden = section.items.length - shown + (section.alsoHidden ?? 0);
    if (hidden > 0) out.push(section.more(hidden));
    out.push(...(section.tail ?? []));
  });
  // Heads alone could still overflow if a caller passed too many; the cap is Slack's, not ours.
  return out.slice(0, max);
}
