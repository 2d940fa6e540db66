import cluster from 'node:cluster';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { type BridgeOptions, bridge } from './bridge/bridge.ts';
import { defaultAt } from './config/defaults.ts';
import { deprecatedEnvSettings } from './config/deprecated-env.ts';
import { errorText } from './config/errors.ts';
import {
  layersFromSettings,
  type RawSetting,
  readConfigFile,
  resolveServeConfig,
  type ServeConfig,
} from './config/resolve.ts';
import { CONFIG_FLAG, SETTINGS } from './config/settings/index.ts';
import { type DemoOptions, demo } from './demo/demo.ts';
import type { CliIo } from './io.ts';
import { type PublishOptions, publish } from './publish.ts';
import { serve } from './serve/serve.ts';
import { type SubscribeOptions, subscribe } from './subscribe/subscribe.ts';
import { transportOption } from './transport-option.ts';

/** What each verb does once its arguments are parsed; each resolves with the process exit code. */
export interface Actions {
  serve(config: ServeConfig, io: CliIo): Promise<number>;
  publish(options: PublishOptions, io: CliIo): Promise<number>;
  subscribe(options: SubscribeOptions, io: CliIo): Promise<number>;
  demo(options: DemoOptions, io: CliIo): Promise<number>;
  bridge(options: BridgeOptions, io: CliIo): Promise<number>;
}

const ACTIONS: Actions = { serve, publish, subscribe, demo, bridge };
const DEFAULT_URL = 'http://localhost:8080';

/** Runs the CLI with `argv` (without `node` and the script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, actions: Partial<Actions> = {}): Promise<number> {
  let code = 0;
  const program = createProgram(io, { ...ACTIONS, ...actions }, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.err(`${errorText(error)}\n`);
    return 1;
  }
}

/** Builds the `herald` command tree. Errors throw (exitOverride) instead of exiting, so tests can call it. */
export function createProgram(io: CliIo, actions: Actions, done: (code: number) => void): Command {
  const program = new Command('herald')
    .description('Herald: a real-time push & pull hub (SSE, WebSocket, NDJSON streaming, long polling, pull)')
    .version(pkg.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(add --help for usage)')
    .hook('preAction', (_program, command) => clientKeyFromEnv(command, io));

  const serveCommand = program
    .command('serve')
    .description('run the hub (in-memory history unless --data, --redis or --nats is given; --workers for a cluster)');
  const attributes = SETTINGS.map((setting) => {
    const fallback = defaultAt(setting.path);
    const shown = Array.isArray(fallback) ? fallback.join(',') : fallback;
    const help = shown === undefined || shown === '' ? setting.help : `${setting.help} [default: ${shown}]`;
    const option = new Option(setting.flags, help).env(setting.env);
    if (setting.kind === 'list')
      option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    serveCommand.addOption(option);
    return { setting, attribute: option.attributeName() };
  });
  serveCommand.addOption(new Option(CONFIG_FLAG.flags, 'JSON config file (see docs/config.md)').env(CONFIG_FLAG.env));
  serveCommand.action(async (opts: { config?: string }, command: Command) => {
    const raw: RawSetting[] = [];
    for (const { setting, attribute } of attributes) {
      const value = command.getOptionValue(attribute) as string | string[] | boolean | undefined;
      if (value === undefined) continue;
      raw.push({ setting, value, source: command.getOptionValueSource(attribute) === 'env' ? 'env' : 'cli' });
    }
    // A cluster worker reads the same environment as its primary, which has warned already.
    const warn = cluster.isWorker ? () => {} : (line: string) => io.err(line);
    const given = new Set(raw.map((r) => r.setting));
    raw.push(...deprecatedEnvSettings(SETTINGS, process.env, (s) => given.has(s), warn));
    const file = opts.config === undefined ? {} : readConfigFile(opts.config);
    const { cli, env } = layersFromSettings(raw);
    done(await actions.serve(resolveServeConfig([file, env, cli]), io));
  });

  program
    .command('publish')
    .description('publish one message and print the answer')
    .argument('<channel>', 'channel name')
    .argument('<json>', 'message data as JSON text; - reads it from stdin')
    .option('--event <name>', 'event name')
    .option('--idempotency-key <key>', 'a retry with the same key publishes nothing new')
    .addOption(urlOption())
    .addOption(keyOption())
    .action(async (channel: string, json: string, opts: Omit<PublishOptions, 'channel' | 'json'>) => {
      done(await actions.publish({ ...opts, channel, json }, io));
    });

  program
    .command('subscribe')
    .description('print each message of a channel as one NDJSON line (resets too), resuming across reconnects')
    .argument('<channel>', 'channel name')
    .addOption(transportOption(io))
    .option('--after <cursor>', 'resume after this cursor (0 = from the oldest message kept); default: new ones only')
    .option('--count <n>', 'exit after this many messages', positiveInt)
    .addOption(urlOption())
    .addOption(keyOption())
    .action(async (channel: string, opts: Omit<SubscribeOptions, 'channel'>) => {
      done(await actions.subscribe({ ...opts, channel }, io));
    });

  program
    .command('demo')
    .description('publish realistic demo traffic to a running hub (every demo page comes alive) until Ctrl-C')
    .option('--duration <seconds>', 'stop after this many seconds', positiveInt)
    .addOption(urlOption())
    .addOption(keyOption())
    .action(async (opts: DemoOptions) => {
      done(await actions.demo(opts, io));
    });

  program
    .command('bridge')
    .description('run the bridges of a config file on their own, publishing to a hub over HTTP (docs/bridges.md)')
    .addOption(
      new Option(CONFIG_FLAG.flags, 'JSON config file with a bridges section')
        .env(CONFIG_FLAG.env)
        .makeOptionMandatory(),
    )
    .addOption(urlOption())
    .addOption(keyOption())
    .action(async (opts: BridgeOptions) => {
      done(await actions.bridge(opts, io));
    });

  return program;
}

function urlOption(): Option {
  return new Option('--url <url>', 'hub base URL').env('HERALD_URL').default(DEFAULT_URL);
}

function keyOption(): Option {
  return new Option('--api-key <key>', 'API key (Authorization: Bearer; from HERALD_API_KEY: its first key)').env(
    'HERALD_API_KEY',
  );
}

/**
 * The client commands share `HERALD_API_KEY` with `serve`, where it may list several keys: they send
 * the first. `HERALD_API_KEYS`, serve's earlier variable, is read too, with a warning.
 */
function clientKeyFromEnv(command: Command, io: CliIo): void {
  if (command.name() === 'serve') return;
  const source = command.getOptionValueSource('apiKey');
  if (source === 'cli') return;
  const old = process.env.HERALD_API_KEYS;
  let value = source === 'env' ? (command.getOptionValue('apiKey') as string) : undefined;
  if (value === undefined && old !== undefined && old !== '') {
    io.err('warning: HERALD_API_KEYS is deprecated: use HERALD_API_KEY (same format); it still works for now\n');
    value = old;
  }
  if (value === undefined) return;
  const first = value.split(',').find((k) => k.trim() !== '');
  command.setOptionValueWithSource('apiKey', first?.trim(), 'env');
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return n;
}
