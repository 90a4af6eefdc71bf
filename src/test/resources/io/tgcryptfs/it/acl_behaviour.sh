#!/bin/bash
# usage: acl_behaviour.sh DIR -- POSIX ACL behaviour in DIR/acltest, printed so that a run on ext4 and
# one on the mount compare line by line (AclIT). Needs root (chgrp, setpriv), setfacl and getfattr.
set -u
R=$1/acltest; rm -rf "$R"; mkdir -p "$R"; chmod 755 "$R"; cd "$R" || exit 1
umask 022
echo data > f; chgrp 100 f; chmod 640 f
setfacl -m u:nobody:rw,g::r-- f
echo "f: $(stat -c '%a' f) $(getfacl -cp f | tr '\n' ' ')"
setpriv --reuid=12345 --regid=100 --clear-groups sh -c "echo x >> f" 2>/dev/null && echo "group member write: allowed" || echo "group member write: denied"
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo y >> f" 2>/dev/null && echo "nobody write: allowed" || echo "nobody write: denied"
chmod 604 f; echo "after chmod 604: $(stat -c '%a' f) $(getfacl -cp f | tr '\n' ' ')"
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo z >> f" 2>/dev/null && echo "nobody write after chmod: allowed" || echo "nobody write after chmod: denied"
mkdir d; setfacl -d -m u:nobody:rwx,g::rx,o::--- d
umask 077; touch d/new; mkdir d/sub; umask 022
echo "d/new: $(stat -c '%a' d/new) $(getfacl -cp d/new | tr '\n' ' ')"
echo "d/sub: $(stat -c '%a' d/sub) $(getfacl -cp d/sub | tr '\n' ' ')"
touch plain; echo "plain (umask 022): $(stat -c '%a' plain) $(getfacl -cp plain | tr '\n' ' ')"
setfacl -b f; echo "after setfacl -b: $(stat -c '%a' f) $(getfacl -cp f | tr '\n' ' ')"
setfacl -m u::rwx,g::r-x,o::r-- f; echo "equivalent acl: $(stat -c '%a' f) xattr=$(getfattr -n system.posix_acl_access f 2>&1 | grep -c posix_acl_access=)"
