/* token.h: maintctl token new (token.c, in maintctl-tty). */
#ifndef MAINTCTL_TOKEN_H
#define MAINTCTL_TOKEN_H

/* argv: "token" "new" NAME [--role R] [--tasks GLOB...]; an exit status. */
int	token_main(int argc, char **argv);

#endif
