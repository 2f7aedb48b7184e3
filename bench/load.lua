-- wrk script: rotates over the public indicator queries listed in the file named by the
-- environment variable PATHS (one path per line; bench/load.sh writes it).
local paths = {}
for line in io.lines(os.getenv("PATHS")) do table.insert(paths, line) end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
