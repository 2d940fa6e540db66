export { CLI_DEFAULTS, CONFIG_DEFAULTS, defaultAt } from './config/defaults.ts';
export { ConfigError } from './config/errors.ts';
export {
  layersFromSettings,
  parseLayer,
  type RawSetting,
  readConfigFile,
  resolveServeConfig,
  type ServeConfig,
  type ServerTunables,
} from './config/resolve.ts';
export {
  type ConfigLayer,
  configSchema,
  jwtSchema,
  LOG_LEVELS,
  type LogLevel,
  NAMESPACE_NAME,
  namespaceSchema,
} from './config/schema.ts';
export { CONFIG_ENTRIES, CONFIG_FLAG, SETTINGS } from './config/settings/index.ts';
export type { CliSpelling, Flag, Group, ServerOption, Setting, SettingKind } from './config/settings/setting.ts';
export { CHAT_LINES } from './demo/chat-lines.ts';
export type { CliIo } from './io.ts';
export { type Actions, createProgram, runCli } from './program.ts';
export type { PublishOptions } from './publish.ts';
export type { SubscribeOptions } from './subscribe/subscribe.ts';
