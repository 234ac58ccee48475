import type { ParseArgsConfig } from 'node:util';
import { EXIT } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import type { CliCommand } from './registry.ts';
import { parse, remoteFrom, UsageError, type Remote } from './support.ts';
import { Interrupts, reportFailure, type FailureContext } from './waiting.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext<O extends Options> {
  remote: Remote;
  io: CliIo;
  values: ReturnType<typeof parse<O & { json: { type: 'boolean' }; help: { type: 'boolean'; short: 'h' } }>>['values'];
  positionals: string[];
  json: boolean;
  interrupts: Interrupts;
}

/**
 * A command that talks to the server: `--help` and `--json` for free, its positional arguments
 * counted, the remote settings read, and every failure (interrupt, error) reported the one way.
 */
export function defineCommand<O extends Options>(spec: {
  name: string;
  summary: string;
  usage: string;
  options: O;
  positionals: readonly string[];
  run(ctx: CommandContext<O>): Promise<number>;
  /** What a failure should know: the request concerned, whether Ctrl-C cancels, the wait's deadline. */
  failure?(ctx: { values: Record<string, unknown>; positionals: string[] }): Omit<FailureContext, 'command' | 'json'>;
}): CliCommand {
  const options = { ...spec.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
  return {
    summary: spec.summary,
    usage: spec.usage,
    async run(args, io) {
      const json = args.includes('--json');
      const interrupts = new Interrupts(io);
      let remote: Remote | null = null;
      let parsed: { values: Record<string, unknown>; positionals: string[] } | undefined;
      try {
        const { values, positionals } = parse(args, options, true) as { values: Record<string, unknown>; positionals: string[] };
        parsed = { values, positionals };
        if (values.help) {
          io.stdout(spec.usage);
          return EXIT.ok;
        }
        if (positionals.length !== spec.positionals.length) {
          throw new UsageError(
            positionals.length < spec.positionals.length
              ? `missing ${spec.positionals.slice(positionals.length).join(' ')}`
              : `unexpected argument "${positionals[spec.positionals.length]}"`,
          );
        }
        remote = remoteFrom(io.env);
        return await spec.run({ remote, io, values: values as CommandContext<O>['values'], positionals, json, interrupts });
      } catch (err) {
        const extra = parsed && spec.failure ? spec.failure(parsed) : {};
        return reportFailure(remote, io, interrupts, err, { command: spec.name, json, ...extra });
      } finally {
        interrupts.dispose();
      }
    },
  };
}
