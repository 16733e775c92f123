-- wrk script for bench/earn.py: POS API purchases or member lookups.
--
-- Environment (set by bench/earn.py):
--   BENCH_MODE     purchase | card | phone
--   BENCH_KEY      the terminal's API key (Bearer)
--   BENCH_MEMBERS  file of "card phone pay" lines (pay = 1: may pay 100 points)
--   BENCH_RUN      prefix that makes this run's receipt numbers unique
--   BENCH_HOT      a card number: every purchase goes to this one member
-- Prints one line "WRKJSON {...}" with the figures bench/earn.py reads.

local mode = os.getenv("BENCH_MODE") or "purchase"
local key = os.getenv("BENCH_KEY")
local members_file = os.getenv("BENCH_MEMBERS")
local run = os.getenv("BENCH_RUN") or "B"
local hot = os.getenv("BENCH_HOT") or ""

local threads = {}

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

local cards, phones, pays = {}, {}, {}
local seq = 0
-- Globals: wrk reads them from each thread with thread:get in done().
statuses = {}

function init(args)
   for line in io.lines(members_file) do
      local card, phone, pay = line:match("^(%d+) (%d+) (%d)$")
      if card then
         cards[#cards + 1] = card
         phones[#phones + 1] = phone
         pays[#pays + 1] = pay == "1"
      end
   end
   math.randomseed(tid * 7919 + #cards)
end

local headers = {
   ["Authorization"] = "Bearer " .. key,
   ["Content-Type"] = "application/json",
   ["Accept-Language"] = "en",
}

function request()
   local i = math.random(#cards)
   if mode == "card" then
      return wrk.format("GET", "/api/v1/members/" .. cards[i], headers)
   elseif mode == "phone" then
      return wrk.format("GET", "/api/v1/members/" .. phones[i], headers)
   end
   seq = seq + 1
   local receipt = string.format("%s-%d-%d", run, tid, seq)
   local card, body = cards[i], nil
   if hot ~= "" then
      card = hot
   end
   if hot == "" and pays[i] and math.random() < 0.2 then
      body = string.format(
         '{"receipt_no":"%s","member":"%s","amount":"300.00","points_used":100}',
         receipt, card)
   else
      body = string.format('{"receipt_no":"%s","member":"%s","amount":"%d.%02d"}',
         receipt, card, math.random(5, 500), math.random(0, 99))
   end
   return wrk.format("POST", "/api/v1/purchases", headers, body)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local by_status = {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses")
      for status, count in pairs(counts) do
         by_status[status] = (by_status[status] or 0) + count
      end
   end
   local parts = {}
   for status, count in pairs(by_status) do
      parts[#parts + 1] = string.format('"%d":%d', status, count)
   end
   io.write(string.format(
      'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,' ..
      '"p99_us":%d,"max_us":%d,"mean_us":%.1f,"connect_errors":%d,' ..
      '"read_errors":%d,"write_errors":%d,"timeouts":%d,"statuses":{%s}}\n',
      summary.requests, summary.duration, latency:percentile(50),
      latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.timeout, table.concat(parts, ",")))
end
