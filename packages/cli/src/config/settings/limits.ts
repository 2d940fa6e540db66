import { DEFAULTS } from '@herald/server';
import { setting } from './setting.ts';
import { ipAddress, limit, list, ms, origin } from './validators.ts';

/** Who may connect, and how much one client may take. */
export const LIMITS = {
  allowedOrigins: setting(list(origin, 'a list of origins'), {
    default: DEFAULTS.allowedOrigins,
    cli: {
      flags: '--allowed-origin <origin>',
      env: 'HERALD_ALLOWED_ORIGINS',
      kind: 'list',
      help: 'origin allowed for CORS and WebSocket (repeatable; * = any; the variable takes a comma-separated list)',
    },
    option: {
      key: 'allowedOrigins',
      doc: 'Origins allowed for CORS and WebSocket upgrades (`https://app.example.com`). `*` allows any origin without CORS credentials; listed origins are echoed with credentials allowed. When `*` is not in the list, a request or upgrade whose `Origin` is not listed (`null` included) is refused with 403.',
    },
  }),
  maxConnectionsPerIp: setting(limit('connections'), {
    default: DEFAULTS.maxConnectionsPerIp,
    cli: {
      flags: '--max-connections-per-ip <n>',
      env: 'HERALD_MAX_CONNECTIONS_PER_IP',
      kind: 'number',
      help: 'live connections (WebSocket, SSE, NDJSON) per client address (0 = no limit)',
    },
    option: {
      key: 'maxConnectionsPerIp',
      doc: 'Live connections (WebSocket, SSE, NDJSON) per client address (IPv6: per /64); 0 = no limit.',
    },
  }),
  maxLongPollsPerIp: setting(limit('long polls'), {
    default: DEFAULTS.maxLongPollsPerIp,
    cli: {
      flags: '--max-long-polls-per-ip <n>',
      env: 'HERALD_MAX_LONG_POLLS_PER_IP',
      kind: 'number',
      help: 'long polls held at once per client address (0 = no limit)',
    },
    option: { key: 'maxLongPollsPerIp', doc: 'Long polls held at once per client address; 0 = no limit.' },
  }),
  maxPublishRatePerConnection: setting(limit('messages a second'), {
    default: DEFAULTS.maxPublishRatePerConnection,
    cli: {
      flags: '--max-publish-rate-per-connection <n>',
      env: 'HERALD_MAX_PUBLISH_RATE_PER_CONNECTION',
      kind: 'number',
      help: 'messages a second one connection may publish with a JWT or anonymously (0 = no limit)',
    },
    option: {
      key: 'maxPublishRatePerConnection',
      doc: 'Messages a second one connection (HTTP keep-alive socket or WebSocket) may publish with a JWT or anonymously; 0 = no limit. Connections that publish with an API key are not charged.',
    },
  }),
  maxPublishRatePerPrincipal: setting(limit('messages a second'), {
    default: DEFAULTS.maxPublishRatePerPrincipal,
    cli: {
      flags: '--max-publish-rate-per-principal <n>',
      env: 'HERALD_MAX_PUBLISH_RATE_PER_PRINCIPAL',
      kind: 'number',
      help: 'messages a second one JWT subject or anonymous address may publish (0 = no limit)',
    },
    option: {
      key: 'maxPublishRatePerPrincipal',
      doc: 'Messages a second one JWT subject or anonymous address may publish; 0 = no limit.',
    },
  }),
  maxPublishRatePerApiKey: setting(limit('messages a second'), {
    default: DEFAULTS.maxPublishRatePerApiKey,
    cli: {
      flags: '--max-publish-rate-per-api-key <n>',
      env: 'HERALD_MAX_PUBLISH_RATE_PER_API_KEY',
      kind: 'number',
      help: 'messages a second one API key may publish over all its connections (0 = no limit)',
    },
    option: {
      key: 'maxPublishRatePerApiKey',
      doc: "Messages a second one API key may publish, summed over its connections; 0 = no limit (the default: keys are the backend's own credentials, and a backend publishes in bulk).",
    },
  }),
  maxWsOpsPerSecond: setting(limit('frames a second'), {
    default: DEFAULTS.maxWsOpsPerSecond,
    cli: {
      flags: '--max-ws-ops-per-second <n>',
      env: 'HERALD_MAX_WS_OPS_PER_SECOND',
      kind: 'number',
      help: 'frames a second one WebSocket may send (0 = no limit)',
    },
    option: {
      key: 'maxWsOpsPerSecond',
      doc: 'Frames a second one WebSocket may send (beyond: closed with 4101); 0 = no limit. API-key sockets are exempt.',
    },
  }),
  trustedProxies: setting(list(ipAddress, 'a list of IP addresses'), {
    default: DEFAULTS.trustedProxies,
    cli: {
      flags: '--trusted-proxy <address>',
      env: 'HERALD_TRUSTED_PROXIES',
      kind: 'list',
      help: 'reverse proxy address whose X-Forwarded-For names the client (repeatable; comma-separated variable)',
    },
    option: {
      key: 'trustedProxies',
      doc: 'Peer addresses of reverse proxies whose `X-Forwarded-For` names the client (for per-address limits).',
    },
  }),
  headersTimeoutMs: setting(ms, {
    default: DEFAULTS.headersTimeoutMs,
    cli: {
      flags: '--headers-timeout-ms <ms>',
      env: 'HERALD_HEADERS_TIMEOUT_MS',
      kind: 'number',
      help: 'time to receive request headers (slowloris guard)',
    },
    option: {
      key: 'headersTimeoutMs',
      doc: "Time to receive a request's headers, ms (slowloris); also how long a silent connection may stay.",
    },
  }),
  requestTimeoutMs: setting(ms, {
    default: DEFAULTS.requestTimeoutMs,
    cli: {
      flags: '--request-timeout-ms <ms>',
      env: 'HERALD_REQUEST_TIMEOUT_MS',
      kind: 'number',
      help: 'time to receive a whole request',
    },
    option: { key: 'requestTimeoutMs', doc: 'Time to receive a whole request (headers and body), ms.' },
  }),
};
