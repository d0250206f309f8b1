/* control.h: the control socket: listener, clients, reply framing (DESIGN §5). */
#ifndef MAINTD_CONTROL_H
#define MAINTD_CONTROL_H

#include <sys/types.h>
#include <stdbool.h>

struct client;
struct client_auth;
struct json_object;

struct control_conf {
	/* what to do with a request line, and when a client has gone */
	void		(*dispatch)(struct client *, const char *line,
			    size_t len);
	void		(*gone)(struct client *);
	const char	*path;
	mode_t		 mode;
	gid_t		 gid;		/* (gid_t)-1: leave as is */
	gid_t		 admin_gid;	/* (gid_t)-1: none */
	int		 max_clients;
	int64_t		 idle_ms;
};

int	control_listen(const struct control_conf *, char *err, size_t errlen);
void	control_close(void);
int	control_nclients(void);

void	client_data(struct client *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	client_raw(struct client *, const char *text);
char	*client_reserve(struct client *, size_t n);
void	 client_flush_soon(struct client *);
void	client_json(struct client *, struct json_object *);
void	client_ok(struct client *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	client_err(struct client *, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	client_hold(struct client *);
bool	client_held(const struct client *);
void	client_close_after_reply(struct client *);
uid_t	client_uid(const struct client *);
bool	client_admin(const struct client *);
const char *client_user(struct client *);
void	client_set_admin(struct client *, bool);
struct client_auth *client_auth(const struct client *);
void	client_set_auth(struct client *, struct client_auth *);
bool	client_json_mode(const struct client *);
bool	client_dropped(const struct client *);
bool	client_full(const struct client *);
void	client_on_drain(struct client *, void (*)(void *), void *);
void	client_set_json(struct client *, bool);

#endif
