/*
 * rttc: the round-trip floor client.  Connect to a Unix socket, send one
 * line ("ping" unless given), read one line back, exit.  Timed as a whole
 * process, like maintctl; it links only libc.
 *
 * usage:	rttc SOCKET [LINE]
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_un	sun;
	char			buf[4096], req[1024];
	ssize_t			n;
	int			fd, len;

	if (argc < 2) {
		fprintf(stderr, "usage: rttc SOCKET [LINE]\n");
		return 2;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sun.sun_path))
		return 2;
	memcpy(sun.sun_path, argv[1], strlen(argv[1]));
	len = snprintf(req, sizeof(req), "%s\n", argc > 2 ? argv[2] : "ping");
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    write(fd, req, (size_t)len) != len) {
		perror("rttc");
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (memchr(buf, '\n', (size_t)n) != NULL)
			return 0;
	return 1;
}
