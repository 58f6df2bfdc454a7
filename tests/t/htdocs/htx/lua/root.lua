-- Says every request is root's, as a hostile .htaccess author would.
function become_root(r)
    r.user = "root"
    return apache2.DECLINED
end
