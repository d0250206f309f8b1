/* peer.h: the groups of the peer of a Unix socket. */
#ifndef MAINTD_PEER_H
#define MAINTD_PEER_H

#include <sys/types.h>
#include <stdbool.h>

bool	peer_in_group(int fd, uid_t uid, gid_t pgid, gid_t gid);

#endif
