import { z } from 'zod';

/** A Pulumi package-schema type reference (primitive, array, map or named). */
export type PulumiTypeSpec =
  | { type: 'string' | 'number' | 'integer' | 'boolean' }
  | { type: 'array'; items: PulumiTypeSpec }
  | { type: 'object'; additionalProperties: PulumiTypeSpec }
  | { $ref: string };

/** A property of an object type, resource or function. */
export type PulumiPropertySpec = PulumiTypeSpec & { description: string; secret?: boolean; default?: string | number | boolean };

/** An object type definition. */
export interface PulumiObjectSpec {
  type: 'object';
  description?: string;
  properties: Record<string, PulumiPropertySpec>;
  /** Absent when empty: Pulumi's own schema writer omits an empty list, so `pulumi package get-schema` prints schema.json unchanged. */
  required?: string[];
}

/** How zod objects become named Pulumi types. */
export interface ConversionContext {
  /** Package name, e.g. 'qemu-cpu'. */
  pkg: string;
  /** zod objects with a fixed Pulumi type name (e.g. ConnectionSchema → 'Connection'). */
  named: ReadonlyMap<z.ZodTypeAny, string>;
  /** Property names that hold secrets wherever they appear. */
  secretFields: ReadonlySet<string>;
  /** Types defined so far, by token; filled in as conversion goes. */
  types: Record<string, PulumiObjectSpec>;
  /** The token each zod object was given, so one object used in several places is one type. */
  tokens?: Map<z.ZodTypeAny, string>;
}

interface Unwrapped {
  inner: z.ZodTypeAny;
  optional: boolean;
  defaultValue?: unknown;
  description?: string;
}

/** Peel optional/nullable/default/effects wrappers, keeping the outermost description. */
function unwrap(schema: z.ZodTypeAny): Unwrapped {
  let s = schema;
  let optional = false;
  let defaultValue: unknown;
  let description = schema.description;
  for (;;) {
    description ??= s.description;
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
      optional = true;
      s = s.unwrap();
    } else if (s instanceof z.ZodDefault) {
      optional = true;
      defaultValue = s._def.defaultValue();
      s = s._def.innerType;
    } else if (s instanceof z.ZodEffects) {
      s = s._def.schema;
    } else break;
  }
  return { inner: s, optional, defaultValue, description: description ?? s.description };
}

/** The Pulumi type of a zod schema; nested objects become named types in ctx.types. */
export function typeOf(schema: z.ZodTypeAny, ctx: ConversionContext, nameHint: string): PulumiTypeSpec {
  const { inner } = unwrap(schema);
  if (inner instanceof z.ZodString || inner instanceof z.ZodEnum || inner instanceof z.ZodLiteral) return { type: 'string' };
  if (inner instanceof z.ZodBoolean) return { type: 'boolean' };
  if (inner instanceof z.ZodNumber) return { type: inner.isInt ? 'integer' : 'number' };
  if (inner instanceof z.ZodArray) return { type: 'array', items: typeOf(inner.element, ctx, `${nameHint}Item`) };
  if (inner instanceof z.ZodRecord) return { type: 'object', additionalProperties: typeOf(inner.valueSchema, ctx, `${nameHint}Value`) };
  if (inner instanceof z.ZodUnion) {
    const options = (inner.options as z.ZodTypeAny[]).map((o) => typeOf(o, ctx, nameHint));
    if (options.every((o) => 'type' in o && o.type === 'string')) return { type: 'string' };
    throw new Error(`${nameHint}: only unions of strings map to a Pulumi type`);
  }
  if (inner instanceof z.ZodDiscriminatedUnion) {
    // Pulumi's schema has no union of object types that every SDK generator supports: one object type holds every
    // variant's fields, the discriminator required, a field required only where every variant requires it.
    return typeOf(mergedVariants(inner), ctx, ctx.named.get(inner) ?? ctx.named.get(schema) ?? nameHint);
  }
  if (inner instanceof z.ZodObject) {
    ctx.tokens ??= new Map();
    const name = ctx.named.get(inner) ?? ctx.named.get(schema) ?? nameHint;
    const token = ctx.tokens.get(inner) ?? `${ctx.pkg}:index:${name}`;
    ctx.tokens.set(inner, token);
    if (!ctx.types[token]) {
      ctx.types[token] = { type: 'object', properties: {}, required: [] }; // placeholder breaks cycles
      ctx.types[token] = objectSpec(inner, ctx, name);
    }
    return { $ref: `#/types/${token}` };
  }
  throw new Error(`${nameHint}: no Pulumi type for ${inner.constructor.name}`);
}

const merged = new WeakMap<z.ZodTypeAny, z.AnyZodObject>();

/** A discriminated union's variants as one object (the same object each time, so it is one Pulumi type). */
function mergedVariants(union: z.ZodDiscriminatedUnion<string, z.AnyZodObject[]>): z.AnyZodObject {
  const known = merged.get(union);
  if (known) return known;
  const variants = [...union.options] as z.AnyZodObject[];
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const variant of variants) {
    for (const [key, field] of Object.entries(variant.shape as Record<string, z.ZodTypeAny>)) {
      if (key in shape) continue;
      const inEvery = variants.every((v) => key in v.shape);
      shape[key] = inEvery ? field : field.optional().describe(unwrap(field).description ?? '');
    }
  }
  const object = z.object(shape).describe(union.description ?? variants[0].description ?? '');
  merged.set(union, object);
  return object;
}

/** An object's properties and required list. `mode` output: every field with a default is always set. */
export function objectSpec(schema: z.AnyZodObject, ctx: ConversionContext, name: string, mode: 'input' | 'output' = 'input'): PulumiObjectSpec {
  const properties: Record<string, PulumiPropertySpec> = {};
  const required: string[] = [];
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodTypeAny>)) {
    const u = unwrap(field);
    if (!u.description) throw new Error(`${name}.${key} has no description: add .describe() to its zod schema`);
    const prop: PulumiPropertySpec = { ...typeOf(field, ctx, `${name}${key[0].toUpperCase()}${key.slice(1)}`), description: u.description };
    if (ctx.secretFields.has(key)) prop.secret = true;
    if (u.defaultValue !== undefined && ['string', 'number', 'boolean'].includes(typeof u.defaultValue)) {
      prop.default = u.defaultValue as string | number | boolean;
    }
    properties[key] = prop;
    const isRequired = !u.optional || (mode === 'output' && u.defaultValue !== undefined);
    if (isRequired) required.push(key);
  }
  return { type: 'object', description: schema.description, properties, ...(required.length > 0 ? { required } : {}) };
}
