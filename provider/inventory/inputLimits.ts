/**
 * Size limits on what a user hands qemu-cpu (check files, Ansible
 * inventories, ssh configs, resource inputs), checked before the expensive
 * step they guard: the file size before reading, the bracket depth before
 * the YAML parser (whose memory grows with it: a 2 MB run of `[` took 6 s
 * and 1.1 GB), and list lengths on the parsed document before the schema.
 * A 50 MB check file used to take the CLI 70 s and 4 GB before V8 ran out
 * of memory.
 */

/** The largest input file read: a fleet of thousands of hosts fits in a few hundred KiB. */
export const MAX_INPUT_FILE_BYTES = 4 * 1024 * 1024;

/** The deepest nesting of mappings and lists in a document; a check file needs 4, an inventory a few more per group level. */
export const MAX_NESTING_DEPTH = 32;

/** The most hosts one selection may name, file and inventory (ranges expanded) together. */
export const MAX_HOSTS = 4096;

/** The most features in `requiredFeatures` or in `disabledFeatures`: QEMU's x86 CPUs have fewer than 400. */
export const MAX_FEATURES = 512;

/**
 * The deepest nesting of flow collections (`[` and `{`) in YAML text, up to
 * `limit + 1`; quoted scalars and comments are skipped. A cheap scan before
 * the parser, which recurses (and allocates) per level.
 */
export function flowDepthOver(text: string, limit = MAX_NESTING_DEPTH): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      else if (c === '\n' && quote === "'") quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if (c === '[' || c === '{') {
      if (++depth > limit) return true;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return false;
}

/** The deepest nesting of objects and arrays in a parsed document, counted up to `limit + 1`. */
export function nestingDepthOver(value: unknown, limit = MAX_NESTING_DEPTH): boolean {
  const walk = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v !== 'object') return false;
    if (depth > limit) return true;
    return Object.values(v).some((child) => walk(child, depth + 1));
  };
  return walk(value, 1);
}

/**
 * Every limit a selection's document (parsed, not yet validated) passes over,
 * one line each: its nesting, its number of hosts, its feature lists.
 */
export function selectionLimitProblems(doc: unknown): string[] {
  if (nestingDepthOver(doc)) return [`the document nests deeper than ${MAX_NESTING_DEPTH} levels`];
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [];
  const fields = doc as Record<string, unknown>;
  const problems: string[] = [];
  if (Array.isArray(fields.hosts) && fields.hosts.length > MAX_HOSTS) {
    problems.push(`hosts: ${fields.hosts.length} hosts; at most ${MAX_HOSTS} can be checked at once (split the fleet into several check files)`);
  }
  for (const field of ['requiredFeatures', 'disabledFeatures']) {
    const list = fields[field];
    if (Array.isArray(list) && list.length > MAX_FEATURES) problems.push(`${field}: ${list.length} features; at most ${MAX_FEATURES}`);
  }
  return problems;
}
