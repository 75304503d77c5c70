/** A property path: object keys and array indexes, from the top. */
export type PropertyPath = ReadonlyArray<string | number>;

/** Where, inside a value, values are not known yet (during a preview). */
export function unknownPaths(value: unknown, isUnknown: (v: unknown) => boolean, at: PropertyPath = []): PropertyPath[] {
  if (isUnknown(value)) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, isUnknown, [...at, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, isUnknown, [...at, k]));
  return [];
}

/** True when `path` is an unknown value or lies inside one. */
export function isUnderUnknown(path: PropertyPath, unknowns: readonly PropertyPath[]): boolean {
  return unknowns.some((u) => u.length <= path.length && u.every((segment, i) => path[i] === segment));
}

/** True when something at or inside `path` is unknown. */
export function touchesUnknown(path: PropertyPath, unknowns: readonly PropertyPath[]): boolean {
  return unknowns.some((u) => isUnderUnknown(u, [path]) || isUnderUnknown(path, [u]));
}
