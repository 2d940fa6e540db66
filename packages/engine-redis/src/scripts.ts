import { type CommandParser, defineScript } from 'redis';

/*
 * The Lua scripts of the engine and of presence. Each runs atomically in Redis, so an append (offsets,
 * history, trim, idempotency record, notification) is all done or not at all. The `#!lua` line makes
 * them Redis 7 "shebang" scripts: Redis refuses one up front when it is out of memory, instead of
 * failing at its first write after earlier writes already happened.
 *
 * Invariant of a channel's history: the stream holds exactly the offsets `first..last` (trims only cut
 * the front), and times never decrease with offsets (an append's time is at least the newest message's),
 * so the expired messages are a prefix found by binary search.
 */

const COMMON = `#!lua
-- Milliseconds of the Redis clock: all nodes agree on it, whatever their own clocks say.
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Integers as plain digits (tostring would switch to exponents past 1e14).
local function int(x)
  return string.format('%d', x)
end
`;

const HISTORY = `${COMMON}
-- The channel's meta (epoch, first, last, newest time), created with the candidate epoch when missing.
local function ensure(meta, stream, candidate, ttl)
  local m = redis.call('HMGET', meta, 'epoch', 'first', 'last', 't')
  if m[1] then
    return m[1], tonumber(m[2]), tonumber(m[3]), tonumber(m[4])
  end
  -- A stream without its meta (evicted) belongs to an epoch nobody can vouch for any more.
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'epoch', candidate, 'first', 1, 'last', 0, 't', 0)
  redis.call('PEXPIRE', meta, ttl)
  return candidate, 1, 0, 0
end

-- Time of the message at offset (field t is always written first). A missing entry (the stream was
-- evicted or deleted behind our back) counts as expired, so trimming skips it instead of failing.
local function timeAt(stream, offset)
  local id = int(offset) .. '-0'
  local entry = redis.call('XRANGE', stream, id, id)[1]
  if not entry then return -1 end
  return tonumber(entry[2][2])
end

-- Drops messages older than cutoff, then all but the newest size; returns the new first offset.
local function trim(meta, stream, first, last, newest, cutoff, size)
  local keep = first
  if keep <= last then
    if newest < cutoff then
      keep = last + 1
    elseif timeAt(stream, keep) < cutoff then
      -- The oldest fresh message is in (keep, last]: the newest one is fresh.
      local lo, hi = keep + 1, last
      while lo < hi do
        local mid = math.floor((lo + hi) / 2)
        if timeAt(stream, mid) < cutoff then lo = mid + 1 else hi = mid end
      end
      keep = lo
    end
  end
  if last - keep + 1 > size then keep = last - size + 1 end
  if keep > first then
    redis.call('XTRIM', stream, 'MINID', int(keep) .. '-0')
    redis.call('HSET', meta, 'first', int(keep))
  end
  return keep
end
`;

/**
 * KEYS: meta, stream, notify[, idempotency]. ARGV: candidate epoch, size, maxAgeMs, ttlMs, then per
 * message its event (`''` for none, else `=` + name) and data.
 * Returns `{0, result}` for a write, `{1, result}` for a repeated key; result = `epoch time first count`.
 */
const APPEND = `${HISTORY}
local meta, stream, notify, idem = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local size, maxAge, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = clock()
local epoch, first, last, newest = ensure(meta, stream, ARGV[1], ttl)
if idem then
  local seen = redis.call('GET', idem)
  -- A result of an older epoch (the channel was forgotten since) is no duplicate: none of it is left.
  if seen and string.sub(seen, 1, #epoch + 1) == epoch .. ' ' then return {1, seen} end
end
local time = math.max(now, newest)
local ts = int(time)
local offset = last
for i = 5, #ARGV, 2 do
  offset = offset + 1
  local id = int(offset) .. '-0'
  if ARGV[i] == '' then
    redis.call('XADD', stream, id, 't', ts, 'd', ARGV[i + 1])
  else
    redis.call('XADD', stream, id, 't', ts, 'd', ARGV[i + 1], 'e', string.sub(ARGV[i], 2))
  end
end
local count = offset - last
local result = epoch .. ' ' .. ts .. ' ' .. int(last + 1) .. ' ' .. int(count)
if count == 0 then return {0, result} end
trim(meta, stream, first, offset, time, now - maxAge, size)
redis.call('HSET', meta, 'last', int(offset), 't', ts)
-- Idle channels are forgotten: every message has expired by then, and the next use starts a new epoch.
redis.call('PEXPIRE', meta, ttl)
redis.call('PEXPIRE', stream, ttl)
if idem then redis.call('SET', idem, result, 'PX', math.max(1, maxAge)) end
-- The notification carries the messages, so a node fans them out without reading history.
local parts = {'[1,', cjson.encode(epoch), ',', ts, ',', int(last + 1)}
for i = 5, #ARGV, 2 do
  if ARGV[i] == '' then
    parts[#parts + 1] = ',null,'
  else
    parts[#parts + 1] = ',' .. cjson.encode(string.sub(ARGV[i], 2)) .. ','
  end
  parts[#parts + 1] = cjson.encode(ARGV[i + 1])
end
parts[#parts + 1] = ']'
redis.call('SPUBLISH', notify, table.concat(parts))
return {0, result}
`;

/**
 * KEYS: meta, stream. ARGV: candidate epoch, size, maxAgeMs, ttlMs, from, limit.
 * Returns `{epoch, first, last, entries}` (entries as XRANGE returns them); `limit` 0 reads only the state.
 */
const READ = `${HISTORY}
local meta, stream = KEYS[1], KEYS[2]
local now = clock()
local epoch, first, last, newest = ensure(meta, stream, ARGV[1], tonumber(ARGV[4]))
first = trim(meta, stream, first, last, newest, now - tonumber(ARGV[3]), tonumber(ARGV[2]))
local from, limit = math.max(tonumber(ARGV[5]), first), tonumber(ARGV[6])
local entries = {}
if limit > 0 and from <= last then
  entries = redis.call('XRANGE', stream, int(from) .. '-0', '+', 'COUNT', limit)
end
return {epoch, first, last, entries}
`;

const PRESENCE = `${COMMON}
local members, expiries, notify = KEYS[1], KEYS[2], KEYS[3]

local function notice(kind, client, value)
  return '{"k":"' .. kind .. '","c":' .. cjson.encode(client) .. ',"m":' .. value .. '}'
end

-- Removes members whose node stopped refreshing them, telling everyone.
local function reap(now)
  local dead = redis.call('ZRANGEBYSCORE', expiries, '-inf', '(' .. int(now), 'LIMIT', 0, 1000)
  for _, client in ipairs(dead) do
    redis.call('ZREM', expiries, client)
    local value = redis.call('HGET', members, client)
    if value then
      redis.call('HDEL', members, client)
      redis.call('SPUBLISH', notify, notice('leave', client, value))
    end
  end
end

local function keep(ttl)
  redis.call('PEXPIRE', members, ttl)
  redis.call('PEXPIRE', expiries, ttl)
end
`;

/**
 * KEYS: members, expiries, notify. ARGV: client, info (JSON object text), node, ttlMs, keyTtlMs, user
 * (the verified user as a JSON string, or empty for none).
 * Returns 1 for a new member, 0 when only its info and user were replaced (nobody is told).
 */
const JOIN = `${PRESENCE}
local client, info, node = ARGV[1], ARGV[2], ARGV[3]
local user = ''
if ARGV[6] and ARGV[6] ~= '' then user = ',"user":' .. ARGV[6] end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
reap(now)
local old = redis.call('HGET', members, client)
-- Microseconds of the join: the listing order, the same whichever node lists.
local joined = old and string.match(old, '"joinedUs":(%d+)}$') or (t[1] .. string.format('%06d', tonumber(t[2])))
local value = '{"info":' .. info .. user .. ',"node":' .. cjson.encode(node) .. ',"joinedUs":' .. joined .. '}'
redis.call('HSET', members, client, value)
redis.call('ZADD', expiries, int(now + tonumber(ARGV[4])), client)
keep(ARGV[5])
if old then return 0 end
redis.call('SPUBLISH', notify, notice('join', client, value))
return 1
`;

/** KEYS: members, expiries, notify. ARGV: client. Returns 1 when it was a member. */
const LEAVE = `${PRESENCE}
local value = redis.call('HGET', members, ARGV[1])
redis.call('ZREM', expiries, ARGV[1])
if not value then return 0 end
redis.call('HDEL', members, ARGV[1])
redis.call('SPUBLISH', notify, notice('leave', ARGV[1], value))
return 1
`;

/** KEYS: members, expiries, notify. Returns the live members as `client, value, …`. */
const LIST = `${PRESENCE}
reap(clock())
return redis.call('HGETALL', members)
`;

/**
 * KEYS: members, expiries, notify. ARGV: ttlMs, keyTtlMs, clients of this node.
 * Extends the clients' expiry; returns those that are gone (reaped while this node was cut off).
 */
const REFRESH = `${PRESENCE}
local now = clock()
reap(now)
local expiry = int(now + tonumber(ARGV[1]))
local missing = {}
for i = 3, #ARGV do
  if redis.call('HEXISTS', members, ARGV[i]) == 1 then
    redis.call('ZADD', expiries, expiry, ARGV[i])
  else
    missing[#missing + 1] = ARGV[i]
  end
end
keep(ARGV[2])
return missing
`;

/** A script called with its keys and arguments; the reply is checked by the caller. */
function script(lua: string) {
  return defineScript({
    SCRIPT: lua,
    parseCommand(parser: CommandParser, keys: readonly string[], args: readonly string[]) {
      parser.push(String(keys.length));
      for (const key of keys) parser.pushKey(key);
      parser.push(...args);
    },
    transformReply: (reply: unknown): unknown => reply,
  });
}

/** Scripts as client methods; named so they cannot shadow a Redis command (APPEND is one). */
export const SCRIPTS = {
  heraldAppend: script(APPEND),
  heraldRead: script(READ),
  heraldJoin: script(JOIN),
  heraldLeave: script(LEAVE),
  heraldList: script(LIST),
  heraldRefresh: script(REFRESH),
};
