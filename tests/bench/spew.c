/*
 * spew: write BYTES bytes of LEN-byte lines (newline included) to
 * standard output, in writes of about 64 KiB.  The log-throughput child.
 *
 * usage:	spew BYTES [LEN]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK	65536

int
main(int argc, char *argv[])
{
	static char	 buf[CHUNK];
	unsigned long long total, left;
	size_t		 len = 100, per, i, n, off;
	ssize_t		 w;

	if (argc < 2) {
		fprintf(stderr, "usage: spew BYTES [LEN]\n");
		return 2;
	}
	total = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		len = (size_t)strtoul(argv[2], NULL, 10);
	if (len < 2 || len > CHUNK)
		len = 100;
	per = CHUNK / len;
	for (i = 0; i < per; i++) {
		memset(buf + i * len, 'a' + (int)(i % 26), len - 1);
		memcpy(buf + i * len, "spew line ", 10 < len - 1 ? 10 : len - 1);
		buf[i * len + len - 1] = '\n';
	}
	for (left = total; left > 0; left -= n) {
		n = per * len;
		if (n > left)
			n = (size_t)(left / len) * len;
		if (n == 0)
			break;
		for (off = 0; off < n; off += (size_t)w) {
			w = write(STDOUT_FILENO, buf + off, n - off);
			if (w == -1) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				return 1;
			}
		}
	}
	return 0;
}
