/* redact.h: what a client that may only read sees of a secret. */
#ifndef MAINTD_REDACT_H
#define MAINTD_REDACT_H

#include <stddef.h>

enum redact_what { REDACT_ENV, REDACT_URL, REDACT_WEBHOOK };

const char *redact(enum redact_what, const char *in, char *buf, size_t len);

#endif
