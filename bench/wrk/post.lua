-- wrk script for the ingest scenario: POST the body held in the file named by the first argument
-- (after `--`), authorised by the API key in the second. The request is built once per thread.
function init(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
end
