/** Column readers both SLA repositories share, so NULL maps to null the same way in every row type. */
export type Row = Record<string, unknown>;
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
