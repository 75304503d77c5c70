import * as pulumi from '@pulumi/pulumi';

/** One resource a program registered, with its inputs as the engine received them (secrets still marked). */
export interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** What answers a registration in place of the engine. */
export type NewResource = (registration: Registration) => Promise<{ id: string; state: Record<string, unknown> }>;

export interface MockOptions {
  project: string;
  stack?: string;
  preview?: boolean;
  /** Program configuration, keys without the project prefix; values as `pulumi config set` stores them. */
  config?: Record<string, string>;
  /** Keys of `config` that are secrets (`pulumi config set --secret`). */
  secretKeys?: string[];
  newResource: NewResource;
}

/**
 * Run programs in this process under pulumi.runtime.setMocks: each resource
 * registration goes to `newResource`, which may drive a real provider. The
 * registrations are returned for the test to inspect.
 */
export async function useMocks(options: MockOptions): Promise<Registration[]> {
  const registrations: Registration[] = [];
  const key = (k: string) => `${options.project}:${k}`;
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [key(k), v])),
    (options.secretKeys ?? []).map(key),
  );
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        const registration = { type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> };
        registrations.push(registration);
        return options.newResource(registration);
      },
      call: async () => {
        throw new Error('this program calls no provider function');
      },
    },
    options.project,
    options.stack ?? 'test',
    options.preview ?? false,
  );
  return registrations;
}

/** The value of a program's output: resolved, 'unknown' during a preview, or the error it failed with. */
export async function settle(value: unknown): Promise<{ known: true; value: unknown; secret: boolean } | { known: false; secret: boolean }> {
  if (!pulumi.Output.isInstance(value)) return { known: true, value, secret: false };
  const output = value as pulumi.Output<unknown>;
  const [known, secret] = await Promise.all([(output as any).isKnown as Promise<boolean>, pulumi.isSecret(output)]);
  if (!known) return { known: false, secret };
  const resolved = await new Promise<unknown>((resolve) => output.apply((v) => (resolve(v), v)));
  return { known: true, value: resolved, secret };
}
