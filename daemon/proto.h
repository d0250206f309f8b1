/* proto.h: the control protocol's request syntax (DESIGN §5), shared with maintctl. */
#ifndef MAINTD_PROTO_H
#define MAINTD_PROTO_H

#include <stddef.h>

#define PROTO_VERSION	1
#define PROTO_MAXLINE	8192	/* bytes, without the newline */
#define PROTO_MAXWORDS	256

struct reqopt {
	char	*name;		/* without the leading dashes */
	char	*value;		/* NULL for a flag */
};

struct request {
	char		*verb;		/* lower-cased */
	char		**args;		/* positional words after the verb */
	int		 nargs;
	struct reqopt	*opts;
	int		 nopts;
	char		**words;	/* storage */
};

int	 proto_split(const char *line, size_t len, char ***words, int *nwords,
	    const char **errstr);
int	 proto_request(const char *line, size_t len, struct request *,
	    const char **errstr, char *errarg, size_t errarglen);
void	 request_free(struct request *);
const char *request_opt(const struct request *, const char *name);
int	 request_has(const struct request *, const char *name);
int	 proto_opt_takes_value(const char *name);
int	 proto_quote(const char *word, char *buf, size_t len);

#endif
