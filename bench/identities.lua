-- wrk script of `make bench`: each request carries the next line of a
-- file as a header ("Authorization: Basic ..." or "X-Bench-User: ..."),
-- in turn; with "unique" instead of a file, a new X-Bench-User on every
-- request, so that no token can come from a cache.
local lines, n, prefix = {}, 0, nil

init = function(args)
    if args[1] == "unique" then
        prefix = (args[2] or "row") .. "-" .. tostring(os.time()) .. "-"
        return
    end
    for line in io.lines(args[1]) do
        local name, value = line:match("^([^:]+): (.*)$")
        if name then lines[#lines + 1] = { [name] = value } end
    end
end

request = function()
    n = n + 1
    if prefix then
        return wrk.format(nil, nil, { ["X-Bench-User"] = prefix .. n })
    end
    return wrk.format(nil, nil, lines[(n - 1) % #lines + 1])
end
