/**
 * What the demo's chat bot says in `chat:lobby`: tips about the page in front of the reader, facts
 * about the hub, and small talk, so an hour of demo traffic does not read like a loop. Plain text
 * only: the chat page shows it as text, so Markdown such as backticks would appear literally.
 * A line that shows a command must run as written against `npm start` (test/cli/doc-commands.test.ts
 * runs every `npx herald publish` one).
 */
export const CHAT_LINES: readonly string[] = [
  // Tips about this page.
  'Welcome to the lobby! Open this page in a second tab (or another browser) and chat with yourself.',
  'The member list is presence: the hub announces every join and leave as it happens.',
  'Type a name under Your name; the others see you renamed, not a new person arriving.',
  'Reload the page: the last messages come back from the room history, then it goes live again.',
  'Messages from before you joined are shown dimmed; everything after is live.',
  'Switch to #random or #help: each room is its own channel, with its own history and members.',
  'Close this tab and the others see you leave at once, not after a timeout.',
  'Try it from a terminal: npx herald publish chat:lobby \'{"name":"terminal","text":"hello from the shell"}\'',
  'Anyone may post here because the demo opens the chat namespace to anonymous publishers. A real hub would not.',
  // How it works.
  'This page uses one WebSocket for everything: every room you visit, your messages and presence.',
  'Each message has an offset: 1, 2, 3 and so on, with no holes. A gap would mean something was lost.',
  'If the WebSocket is blocked, the SDK falls back to SSE, then streaming, long polling or plain polling.',
  'A client that reconnects sends the cursor of the last message it has and gets exactly what it missed.',
  'History here keeps the last 1,000 messages of a room, at most an hour old.',
  'The member list is also plain HTTP: GET /v1/channels/chat:lobby/presence.',
  'A slow reader does not slow the room down: the hub cuts it, and it catches up from its cursor.',
  'Quiet connections get heartbeats from the hub, so proxies do not close them.',
  'Restart a hub that keeps history in memory and every channel gets a new epoch; clients are told with a reset.',
  'The dashboard at /dashboard shows this socket among the WebSocket connections (it asks for the API key).',
  'I am the demo simulator (herald demo), publishing like any other client: a few dozen messages a second in all.',
  // Small talk.
  'Anyone watching the ticker? HRLD looks nervous today.',
  'The Lions are pressing again. Someone check the push vs pull lab for the score.',
  'Fun fact: long polling is older than WebSocket, and still works where nothing else does.',
  'Tip: the push vs pull lab counts the requests each transport needs for the same feed.',
  'Quiet in here. Say something, it reaches everyone in the room in a few milliseconds.',
  'Who painted the board in the multiplayer demo? It looks like modern art now.',
  'Coffee break. Messages keep flowing while you are away; reload and they are all here.',
  'Somebody asked whether this works on a phone. Try it: same page, same socket.',
  'Good question from earlier: yes, curl can subscribe too. Try curl -N with Accept: text/event-stream.',
  'Reminder: be kind, everything here is public and anonymous.',
];
