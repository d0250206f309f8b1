/* metrics.h: the daemon's metrics, as Prometheus text or JSON, on request and in metrics_file. */
#ifndef MAINTD_METRICS_H
#define MAINTD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;
struct task;
struct run;

/* One sample; its strings are the daemon's, valid until the loop runs. */
struct metric {
	const char	*name, *type, *help;
	const char	*label[2][2];	/* { key, value }; key NULL: none */
	double		 value;
	bool		 none;		/* no sample: the family's head only */
};

/* The samples, family by family, each family's together. */
struct metrics {
	struct metric	*v;
	size_t		 n, cap;
};

void	metrics_init(void);
void	metrics_changed(void);
void	metrics_run_ended(struct task *, const struct run *);
void	metrics_collect(struct metrics *, int up);
void	metrics_free(struct metrics *);
/* A value as both writers print it: "3", "0.012". */
const char *metrics_value(double, char *, size_t);
void	metrics_text(FILE *, const struct metrics *);
struct json_object *metrics_json(const struct metric *);
/* metrics_collect, then metrics_text. */
void	metrics_print(FILE *, int up);
void	metrics_final(void);

#endif
