// What both YAML parsers (yaml.ts, yaml-fast.ts) share, in a module of its own so neither imports the other's.

/** Rules nest a few levels deep; a deep tree is hostile and would exhaust the stack of a recursive walk. */
export const MAX_DEPTH = 64;

/** The YAML path of a child node: `detection.selection`, `detection.selection.Image|contains[3]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}
