import type { Block } from './types.js';

/**
 * Block Kit's documented length limits, which Slack enforces by refusing the whole message with
 * `invalid_blocks`. Only the limits a bot commonly runs into are checked; the simulator is not a
 * full Block Kit validator.
 */
export const BLOCK_KIT_LIMITS = {
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
} as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (v: unknown): string | undefined =>
  isObject(v) && typeof v.text === 'string' ? v.text : typeof v === 'string' ? v : undefined;

/** Slack words its errors like this, with a JSON pointer to the offending field. */
function tooLong(limit: number, pointer: string): string {
  return `must be less than ${limit + 1} characters [json-pointer:${pointer}]`;
}

function checkButton(element: Json, pointer: string, errors: string[]): void {
  const text = textOf(element.text);
  if (text !== undefined && text.length > BLOCK_KIT_LIMITS.buttonText) {
    errors.push(tooLong(BLOCK_KIT_LIMITS.buttonText, `${pointer}/text/text`));
  }
  if (typeof element.value === 'string' && element.value.length > BLOCK_KIT_LIMITS.buttonValue) {
    errors.push(tooLong(BLOCK_KIT_LIMITS.buttonValue, `${pointer}/value`));
  }
  if (typeof element.url === 'string' && element.url.length > BLOCK_KIT_LIMITS.buttonUrl) {
    errors.push(tooLong(BLOCK_KIT_LIMITS.buttonUrl, `${pointer}/url`));
  }
}

/** The errors Slack would list for these blocks; empty when they are within the limits. */
export function blockKitErrors(blocks: Block[]): string[] {
  const errors: string[] = [];
  blocks.forEach((block, i) => {
    const pointer = `/blocks/${i}`;
    if (block.type === 'section') {
      const text = textOf(block.text);
      if (text !== undefined && text.length > BLOCK_KIT_LIMITS.sectionText) {
        errors.push(tooLong(BLOCK_KIT_LIMITS.sectionText, `${pointer}/text/text`));
      }
      if (isObject(block.accessory) && block.accessory.type === 'button') {
        checkButton(block.accessory, `${pointer}/accessory`, errors);
      }
    }
    if (block.type === 'header') {
      const text = textOf(block.text);
      if (text !== undefined && text.length > BLOCK_KIT_LIMITS.headerText) {
        errors.push(tooLong(BLOCK_KIT_LIMITS.headerText, `${pointer}/text/text`));
      }
    }
    if (block.type === 'actions' && Array.isArray(block.elements)) {
      block.elements.forEach((element, j) => {
        if (isObject(element) && element.type === 'button') checkButton(element, `${pointer}/elements/${j}`, errors);
      });
    }
  });
  return errors;
}
