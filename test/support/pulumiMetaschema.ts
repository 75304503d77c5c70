import { z } from 'zod';

/**
 * The rules of Pulumi's package metaschema (pkg/codegen/schema/pulumi.json in
 * pulumi/pulumi, JSON Schema 2020-12), re-expressed in zod for the parts a
 * package like ours uses: the metaschema itself ships in no package that
 * installs here. Unknown top-level keys are rejected as the metaschema does
 * (additionalProperties: false); type specs must be exactly one of
 * primitive, array, map, named ($ref) or union; tokens follow its pattern.
 */
export const TOKEN_PATTERN = /^[a-zA-Z][-a-zA-Z0-9_]*:([^0-9][a-zA-Z0-9._/-]*)?:[^0-9][a-zA-Z0-9._/-]*$/;
const NAME_PATTERN = /^[a-zA-Z][-a-zA-Z0-9_]*$/;
const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const primitive = z.object({ type: z.enum(['boolean', 'integer', 'number', 'string']), plain: z.boolean().optional() }).strict();
type TypeSpec = unknown;
const typeSpec: z.ZodType<TypeSpec> = z.lazy(() =>
  z.union([
    primitive,
    z.object({ type: z.literal('array'), items: typeSpec, plain: z.boolean().optional() }).strict(),
    z.object({ type: z.literal('object'), additionalProperties: typeSpec.optional(), plain: z.boolean().optional() }).strict(),
    z.object({ $ref: z.string().min(1), type: z.string().optional(), plain: z.boolean().optional() }).strict(),
    z
      .object({
        type: z.enum(['boolean', 'integer', 'number', 'string']).optional(),
        oneOf: z.array(typeSpec).min(2),
        discriminator: z.object({ propertyName: z.string().min(1), mapping: z.record(z.string()).optional() }).optional(),
        plain: z.boolean().optional(),
      })
      .strict(),
  ]),
);

const propertyExtras = {
  description: z.string().optional(),
  const: z.union([z.boolean(), z.number(), z.string()]).optional(),
  default: z.union([z.boolean(), z.number(), z.string()]).optional(),
  defaultInfo: z.object({ environment: z.array(z.string()), language: z.record(z.unknown()).optional() }).optional(),
  deprecationMessage: z.string().optional(),
  language: z.record(z.unknown()).optional(),
  secret: z.boolean().optional(),
  replaceOnChanges: z.boolean().optional(),
  willReplaceOnChanges: z.boolean().optional(),
};
/** A property: a type spec plus the property-level keys. */
const propertySpec = z.unknown().superRefine((value, ctx) => {
  if (typeof value !== 'object' || value === null) return void ctx.addIssue({ code: 'custom', message: 'a property must be an object' });
  const extras = z.object(propertyExtras).safeParse(value);
  if (!extras.success) extras.error.issues.forEach((i) => ctx.addIssue(i));
  const typePart = Object.fromEntries(Object.entries(value).filter(([k]) => !(k in propertyExtras)));
  const t = typeSpec.safeParse(typePart);
  if (!t.success) ctx.addIssue({ code: 'custom', message: `not a valid type spec: ${JSON.stringify(typePart)}` });
});

const objectTypeSpec = z.object({
  description: z.string().optional(),
  properties: z.record(propertySpec).optional(),
  type: z.string().optional(),
  required: z.array(z.string()).optional(),
  language: z.record(z.unknown()).optional(),
  isOverlay: z.boolean().optional(),
});

const tokenMap = <T extends z.ZodTypeAny>(value: T) =>
  z.record(value).superRefine((rec, ctx) => {
    for (const k of Object.keys(rec)) if (!TOKEN_PATTERN.test(k)) ctx.addIssue({ code: 'custom', message: `${k} is not a valid token` });
  });

export const PulumiPackageSchema = z
  .object({
    name: z.string().regex(NAME_PATTERN),
    displayName: z.string().optional(),
    version: z.string().regex(SEMVER).optional(),
    description: z.string().optional(),
    keywords: z.array(z.string()).optional(),
    homepage: z.string().optional(),
    license: z.string().optional(),
    attribution: z.string().optional(),
    repository: z.string().optional(),
    logoUrl: z.string().optional(),
    pluginDownloadURL: z.string().optional(),
    publisher: z.string().optional(),
    namespace: z.string().regex(/^([a-z][a-z0-9]*)(-[a-z0-9]+)*$/).optional(),
    meta: z.object({ moduleFormat: z.string().optional(), supportPack: z.boolean().optional() }).strict().optional(),
    config: z.object({ variables: z.record(propertySpec).optional(), defaults: z.array(z.string()).optional() }).strict().optional(),
    types: tokenMap(objectTypeSpec.extend({ type: z.literal('object') })).optional(),
    provider: objectTypeSpec.extend({ inputProperties: z.record(propertySpec).optional(), requiredInputs: z.array(z.string()).optional() }).optional(),
    resources: tokenMap(
      objectTypeSpec.extend({
        inputProperties: z.record(propertySpec).optional(),
        requiredInputs: z.array(z.string()).optional(),
        deprecationMessage: z.string().optional(),
        isComponent: z.boolean().optional(),
      }),
    ).optional(),
    functions: tokenMap(
      z.object({
        description: z.string().optional(),
        inputs: objectTypeSpec.optional(),
        outputs: z.union([objectTypeSpec, typeSpec]).optional(),
        deprecationMessage: z.string().optional(),
        language: z.record(z.unknown()).optional(),
      }),
    ).optional(),
    language: z.record(z.unknown()).optional(),
  })
  .strict();

/** Every "#/types/TOKEN" reference must name a type the package defines. */
export function danglingRefs(pkg: { types?: Record<string, unknown> }): string[] {
  const refs = [...JSON.stringify(pkg).matchAll(/"\$ref":"#\/types\/([^"]+)"/g)].map((m) => m[1]);
  return refs.filter((r) => !(pkg.types && r in pkg.types));
}
